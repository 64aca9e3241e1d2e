using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Orleans.Media.Storage.Local;

/// <summary>
/// Signs and checks the presigned URLs of local-folder buckets, which the silo serves itself at
/// <c>&lt;base&gt;/_objects/&lt;bucket&gt;/&lt;key&gt;?method=..&amp;expires=..[&amp;uploadId=..&amp;partNumber=..][&amp;contentMd5=..][&amp;contentType=..]&amp;signature=..</c>.
/// The signature is HMAC-SHA256 over method, bucket, key, expiry, upload id, part number and (when bound) the
/// Content-MD5 and Content-Type, so none of them can be changed without invalidating it. Pure: the caller passes the current time.
/// </summary>
public sealed class LocalUrlSigner
{
    public const string RoutePrefix = "_objects";

    private readonly byte[] _key;

    public LocalUrlSigner(ReadOnlySpan<byte> key)
    {
        if (key.Length < ObjectStorageOptionsValidator.MinSigningKeyLength)
        {
            throw new ArgumentException($"A signing key needs at least {ObjectStorageOptionsValidator.MinSigningKeyLength} bytes.", nameof(key));
        }

        _key = key.ToArray();
    }

    public LocalUrlSigner(string key)
        : this(Encoding.UTF8.GetBytes(key))
    {
    }

    /// <summary>A signer with a random key: URLs it signs are valid only in this process.</summary>
    public static LocalUrlSigner CreateEphemeral() => new(RandomNumberGenerator.GetBytes(32));

    /// <summary>The HTTP method a request for <paramref name="method"/> uses.</summary>
    public static string HttpMethodOf(PresignMethod method) => method == PresignMethod.Get ? "GET" : "PUT";

    public Uri CreateUrl(Uri publicBaseUrl, string bucket, PresignRequest request)
    {
        ArgumentNullException.ThrowIfNull(publicBaseUrl);
        ArgumentNullException.ThrowIfNull(request);
        string? uploadId = null;
        int? partNumber = null;
        if (request.Method == PresignMethod.UploadPart)
        {
            if (string.IsNullOrEmpty(request.UploadId) || request.PartNumber is not (>= 1 and <= 10_000))
            {
                throw new ArgumentException("A presigned UploadPart needs an UploadId and a PartNumber between 1 and 10000.", nameof(request));
            }

            uploadId = request.UploadId;
            partNumber = request.PartNumber;
        }

        if (request.ContentMd5 is { } md5 && (request.Method != PresignMethod.Put || !ContentMd5.IsValid(md5)))
        {
            throw new ArgumentException("A Content-MD5 binds only a whole-object PUT, and must be the base64 of a 16-byte MD5.", nameof(request));
        }

        // S3 signs the Content-Type a URL is issued with (the object is served with it): so does this URL.
        if (request.ContentType is { } type && (request.Method != PresignMethod.Put || type.Length == 0))
        {
            throw new ArgumentException("A Content-Type binds only a whole-object PUT, and must not be empty.", nameof(request));
        }

        var method = HttpMethodOf(request.Method);
        var expires = request.ExpiresAt.ToUnixTimeSeconds();
        var signature = Sign(method, bucket, request.Key, expires, uploadId, partNumber, request.ContentMd5, request.ContentType);
        var path = string.Join('/', request.Key.Split('/').Select(Uri.EscapeDataString));
        var query = new StringBuilder()
            .Append("method=").Append(method)
            .Append("&expires=").Append(expires.ToString(CultureInfo.InvariantCulture));
        if (uploadId is not null)
        {
            query.Append("&uploadId=").Append(Uri.EscapeDataString(uploadId))
                .Append("&partNumber=").Append(partNumber!.Value.ToString(CultureInfo.InvariantCulture));
        }

        if (request.ContentMd5 is not null)
        {
            query.Append("&contentMd5=").Append(Uri.EscapeDataString(request.ContentMd5));
        }

        if (request.ContentType is not null)
        {
            query.Append("&contentType=").Append(Uri.EscapeDataString(request.ContentType));
        }

        query.Append("&signature=").Append(signature);
        var baseText = publicBaseUrl.AbsoluteUri.TrimEnd('/');
        return new Uri($"{baseText}/{RoutePrefix}/{Uri.EscapeDataString(bucket)}/{path}?{query}");
    }

    /// <summary>Lower-case hex HMAC-SHA256 of the request's fields.</summary>
    public string Sign(string method, string bucket, string key, long expiresUnixSeconds, string? uploadId, int? partNumber, string? contentMd5 = null, string? contentType = null)
    {
        // Length-prefixed fields: no two different field tuples produce the same signed text. The Content-MD5 is a
        // seventh field only when bound, the Content-Type an eighth (after an empty seventh when no MD5 is bound: a
        // bound MD5 is never empty), so URLs without them keep their signatures.
        var text = new StringBuilder();
        string[] fields =
        [
            method, bucket, key, expiresUnixSeconds.ToString(CultureInfo.InvariantCulture), uploadId ?? string.Empty,
            partNumber?.ToString(CultureInfo.InvariantCulture) ?? string.Empty,
        ];
        if (contentType is not null)
        {
            fields = [.. fields, contentMd5 ?? string.Empty, contentType];
        }
        else if (contentMd5 is not null)
        {
            fields = [.. fields, contentMd5];
        }

        foreach (var field in fields)
        {
            text.Append(field.Length.ToString(CultureInfo.InvariantCulture)).Append(':').Append(field).Append('\n');
        }

        return Convert.ToHexStringLower(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>
    /// Checks a request against its URL's query values. <paramref name="httpMethod"/> is the request's method
    /// (HEAD is accepted where GET was signed).
    /// </summary>
    public LocalUrlCheck Validate(
        string httpMethod,
        string bucket,
        string key,
        string? method,
        string? expires,
        string? uploadId,
        string? partNumber,
        string? signature,
        DateTimeOffset now,
        string? contentMd5 = null,
        string? contentType = null)
    {
        if (method is not ("GET" or "PUT") ||
            !long.TryParse(expires, NumberStyles.None, CultureInfo.InvariantCulture, out var expiresAt) ||
            string.IsNullOrEmpty(signature) || signature.Length != 64)
        {
            return LocalUrlCheck.Malformed;
        }

        int? part = null;
        if (uploadId is not null || partNumber is not null)
        {
            if (string.IsNullOrEmpty(uploadId) ||
                !int.TryParse(partNumber, NumberStyles.None, CultureInfo.InvariantCulture, out var p) || p is < 1 or > 10_000 ||
                method != "PUT")
            {
                return LocalUrlCheck.Malformed;
            }

            part = p;
        }

        if (contentMd5 is not null && (method != "PUT" || part is not null || !ContentMd5.IsValid(contentMd5)))
        {
            return LocalUrlCheck.Malformed;
        }

        if (contentType is not null && (method != "PUT" || part is not null || contentType.Length == 0))
        {
            return LocalUrlCheck.Malformed;
        }

        var expected = Sign(method, bucket, key, expiresAt, uploadId, part, contentMd5, contentType);
        var given = signature.ToLowerInvariant();
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(given)))
        {
            return LocalUrlCheck.BadSignature;
        }

        var methodMatches = httpMethod == method || (method == "GET" && httpMethod == "HEAD");
        if (!methodMatches)
        {
            return LocalUrlCheck.MethodMismatch;
        }

        return now.ToUnixTimeSeconds() > expiresAt ? LocalUrlCheck.Expired : LocalUrlCheck.Valid;
    }
}
