using System.Globalization;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;
using Orleans.Media.Storage;
using Orleans.Media.Storage.Local;

namespace Orleans.Media.Silo.Storage;

/// <summary>
/// Serves the presigned URLs of local-folder buckets: <c>GET|HEAD|PUT /_objects/{bucket}/{**key}</c> with the query
/// <see cref="LocalUrlSigner"/> produced. PUT stores an object, or a multipart part when the URL names an upload;
/// GET streams the object with Range support. Anything unsigned, tampered or expired gets 403 with an S3-style
/// XML error, so S3 clients report it the way they would for S3. A PUT URL bound to a Content-MD5 needs that header
/// (403 otherwise, as S3 answers for a signed header left out) and a body with that digest (400 BadDigest, nothing stored);
/// a Content-MD5 sent without being bound is checked the same way, on whole objects and parts. A PUT URL issued with a
/// Content-Type needs exactly that header (403 otherwise), as S3 signs it.
/// </summary>
public static class LocalObjectsApi
{
    /// <summary>The largest body one request may carry: S3's limit for a single PUT or part.</summary>
    private const long MaxBodyBytes = 5L * 1024 * 1024 * 1024;

    private const string Route = "/" + LocalUrlSigner.RoutePrefix + "/{bucket}/{**key}";

    public static IEndpointRouteBuilder MapLocalObjectsApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapMethods(Route, [HttpMethods.Get, HttpMethods.Head], GetAsync).ExcludeFromDescription();
        endpoints.MapPut(Route, PutAsync).ExcludeFromDescription();
        return endpoints;
    }

    private static async Task GetAsync(HttpContext context, IObjectStorage storage, LocalUrlSigner signer)
    {
        if (await AuthorizeAsync(context, signer, storage) is not { } target)
        {
            return;
        }

        var (store, key) = target;
        ObjectInfo? info;
        try
        {
            info = await store.HeadAsync(key, context.RequestAborted);
        }
        catch (InvalidObjectKeyException e)
        {
            await S3ErrorResponse.WriteAsync(context, StatusCodes.Status400BadRequest, "InvalidArgument", e.Message, store.Bucket, key);
            return;
        }

        if (info is null || key.EndsWith('/'))
        {
            await S3ErrorResponse.WriteAsync(context, StatusCodes.Status404NotFound, "NoSuchKey", "The specified key does not exist.", store.Bucket, key);
            return;
        }

        ObjectReadStream stream;
        try
        {
            stream = await store.OpenReadAsync(key, cancellationToken: context.RequestAborted);
        }
        catch (ObjectNotFoundException)
        {
            await S3ErrorResponse.WriteAsync(context, StatusCodes.Status404NotFound, "NoSuchKey", "The specified key does not exist.", store.Bucket, key);
            return;
        }

        var etag = info.ETag is null ? null : new EntityTagHeaderValue($"\"{info.ETag}\"");
        await Results.Stream(stream, info.ContentType ?? "application/octet-stream", lastModified: info.LastModified, entityTag: etag, enableRangeProcessing: true)
            .ExecuteAsync(context);
    }

    private static async Task PutAsync(HttpContext context, IObjectStorage storage, LocalUrlSigner signer)
    {
        if (await AuthorizeAsync(context, signer, storage) is not { } target)
        {
            return;
        }

        var (store, key) = target;
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxBodyBytes;
        }

        if (ContentMd5Header(context) is { } sent && !ContentMd5.IsValid(sent))
        {
            await S3ErrorResponse.WriteAsync(context, StatusCodes.Status400BadRequest, "InvalidDigest", "The Content-MD5 you specified was invalid.", store.Bucket, key);
            return;
        }

        var query = context.Request.Query;
        try
        {
            string etag;
            if (query.ContainsKey("uploadId"))
            {
                var partNumber = int.Parse(query["partNumber"]!, CultureInfo.InvariantCulture); // validated by the signer
                // The body's pipe goes to the part's place in the file as it is; hashed only when a Content-MD5 asks for it.
                etag = await store.UploadPartAsync(key, query["uploadId"]!, partNumber, context.Request.BodyReader, context.Request.ContentLength ?? -1, ContentMd5Header(context), context.RequestAborted);
            }
            else
            {
                var info = await store.PutAsync(key, context.Request.Body, context.Request.ContentType, query["contentMd5"].FirstOrDefault() ?? ContentMd5Header(context), context.RequestAborted);
                etag = info.ETag ?? string.Empty;
            }

            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.Headers.ETag = $"\"{etag}\"";
        }
        catch (ContentDigestMismatchException)
        {
            await S3ErrorResponse.WriteAsync(context, StatusCodes.Status400BadRequest, "BadDigest", "The Content-MD5 you specified did not match what we received.", store.Bucket, key);
        }
        catch (ObjectNotFoundException)
        {
            await S3ErrorResponse.WriteAsync(context, StatusCodes.Status404NotFound, "NoSuchUpload", "The specified multipart upload does not exist.", store.Bucket, key);
        }
        catch (InvalidObjectKeyException e)
        {
            await S3ErrorResponse.WriteAsync(context, StatusCodes.Status400BadRequest, "InvalidArgument", e.Message, store.Bucket, key);
        }
        catch (InvalidOperationException e) when (key.EndsWith('/') && !context.RequestAborted.IsCancellationRequested)
        {
            // A folder marker takes no bytes (the write stream refuses the first one): the client's mistake, said so.
            await S3ErrorResponse.WriteAsync(context, StatusCodes.Status400BadRequest, "InvalidArgument", e.Message, store.Bucket, key);
        }
        catch (IOException e) when (!context.RequestAborted.IsCancellationRequested && e.Message.StartsWith("The part body", StringComparison.Ordinal))
        {
            await S3ErrorResponse.WriteAsync(context, StatusCodes.Status400BadRequest, "IncompleteBody", e.Message, store.Bucket, key);
        }
    }

    /// <summary>A Content-MD5 the client sent without the URL binding it: S3 checks it all the same.</summary>
    private static string? ContentMd5Header(HttpContext context) =>
        context.Request.Headers.ContentMD5 is { Count: > 0 } value ? value.ToString() : null;

    /// <summary>The local store and key the request's URL was signed for, or null after writing the refusal.</summary>
    private static async Task<(LocalObjectStore Store, string Key)?> AuthorizeAsync(HttpContext context, LocalUrlSigner signer, IObjectStorage storage)
    {
        if (!TryParseTarget(context, out var bucket, out var key))
        {
            await S3ErrorResponse.WriteAsync(context, StatusCodes.Status400BadRequest, "InvalidURI", "The URL does not name a bucket and key.", null, null);
            return null;
        }

        var q = context.Request.Query;
        var time = context.RequestServices.GetService<TimeProvider>() ?? TimeProvider.System;
        var check = signer.Validate(
            context.Request.Method,
            bucket,
            key,
            q["method"],
            q["expires"],
            q.ContainsKey("uploadId") ? q["uploadId"].ToString() : null,
            q.ContainsKey("partNumber") ? q["partNumber"].ToString() : null,
            q["signature"],
            time.GetUtcNow(),
            q.ContainsKey("contentMd5") ? q["contentMd5"].ToString() : null,
            q.ContainsKey("contentType") ? q["contentType"].ToString() : null);
        if (check != LocalUrlCheck.Valid)
        {
            var (code, message) = check switch
            {
                LocalUrlCheck.Expired => ("AccessDenied", "Request has expired"),
                LocalUrlCheck.Malformed => ("AccessDenied", "Query-string authentication requires the method, expires and signature parameters"),
                LocalUrlCheck.MethodMismatch => ("SignatureDoesNotMatch", "The URL was signed for another HTTP method"),
                _ => ("SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided"),
            };
            await S3ErrorResponse.WriteAsync(context, StatusCodes.Status403Forbidden, code, message, bucket, key);
            return null;
        }

        if (q.ContainsKey("contentMd5") && context.Request.Headers["Content-MD5"].ToString() != q["contentMd5"].ToString())
        {
            await S3ErrorResponse.WriteAsync(context, StatusCodes.Status403Forbidden, "SignatureDoesNotMatch", "The URL is bound to a Content-MD5 the request does not carry", bucket, key);
            return null;
        }

        // A signed header, as S3 treats it: the exact value, or the object would be served as another type.
        if (q.ContainsKey("contentType") && context.Request.Headers.ContentType.ToString() != q["contentType"].ToString())
        {
            await S3ErrorResponse.WriteAsync(context, StatusCodes.Status403Forbidden, "SignatureDoesNotMatch", "The URL is bound to a Content-Type the request does not carry", bucket, key);
            return null;
        }

        // Only folders are served here: S3 buckets presign URLs to their own endpoint.
        if (!storage.HasBucket(bucket) || storage.GetBucket(bucket) is not LocalObjectStore store)
        {
            await S3ErrorResponse.WriteAsync(context, StatusCodes.Status404NotFound, "NoSuchBucket", "The specified bucket does not exist.", bucket, key);
            return null;
        }

        return (store, key);
    }

    // The signature covers the exact key: decode it from the raw request target ourselves, since routing leaves
    // some escapes (%2F) encoded and would otherwise change the key.
    private static bool TryParseTarget(HttpContext context, out string bucket, out string key)
    {
        bucket = key = string.Empty;
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.ToUriComponent();
        var queryStart = raw.IndexOf('?', StringComparison.Ordinal);
        var path = queryStart < 0 ? raw : raw[..queryStart];
        const string marker = "/" + LocalUrlSigner.RoutePrefix + "/";
        var start = path.IndexOf(marker, StringComparison.Ordinal);
        if (start < 0)
        {
            return false;
        }

        var rest = path[(start + marker.Length)..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == rest.Length - 1)
        {
            return false;
        }

        bucket = Uri.UnescapeDataString(rest[..slash]);
        key = Uri.UnescapeDataString(rest[(slash + 1)..]);
        return true;
    }
}
