namespace Orleans.Media.Storage.Uploads;

/// <summary>
/// Uploads that go straight from a client to storage, for either backend: a presigned PUT (optionally bound to a
/// Content-MD5), or a multipart upload with one presigned URL per part that is completed here after checking the
/// parts against the declared plan. Upload bytes never pass through this class.
/// </summary>
public sealed class DirectUploads(IObjectStorage storage, TimeProvider time)
{
    public DirectPut PresignPut(string bucket, string key, TimeSpan validFor, string? contentMd5 = null, string? contentType = null)
    {
        var expiresAt = time.GetUtcNow() + validFor;
        var url = storage.GetBucket(bucket).Presign(new PresignRequest(key, PresignMethod.Put, expiresAt, ContentType: contentType, ContentMd5: contentMd5));
        return new DirectPut(bucket, key, url, expiresAt, contentMd5, contentType);
    }

    public async Task<DirectMultipartUpload> StartMultipartAsync(
        string bucket,
        string key,
        MultipartPlan plan,
        TimeSpan validFor,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var store = storage.GetBucket(bucket);
        var expiresAt = time.GetUtcNow() + validFor;
        // A local folder writes each part at its offset in the object's file, so completion does not copy the bytes again.
        var uploadId = store is Local.LocalObjectStore local
            ? await local.InitiateMultipartAsync(key, plan.PartSize, plan.TotalSize, cancellationToken).ConfigureAwait(false)
            : await store.InitiateMultipartAsync(key, cancellationToken).ConfigureAwait(false);
        var parts = new PresignedPart[plan.PartCount];
        for (var n = 1; n <= plan.PartCount; n++)
        {
            parts[n - 1] = new PresignedPart(n, store.Presign(new PresignRequest(key, PresignMethod.UploadPart, expiresAt, uploadId, n)), plan.SizeOf(n));
        }

        return new DirectMultipartUpload(bucket, key, uploadId, plan, parts, expiresAt);
    }

    public Task<IReadOnlyList<UploadedPart>> ListPartsAsync(string bucket, string key, string uploadId, CancellationToken cancellationToken = default) =>
        storage.GetBucket(bucket).ListPartsAsync(key, uploadId, cancellationToken);

    /// <summary>
    /// Completes after checking that exactly the plan's parts are there, each with its declared size. The parts come
    /// from the server's ListParts; <paramref name="clientParts"/> (part numbers and the ETags the PUTs answered) are
    /// checked against them when given. Where the server has no ListParts (s3rver), <paramref name="clientParts"/> is
    /// required, their numbering is checked before and the assembled size after completion (a wrong object is deleted).
    /// Throws <see cref="IncompleteUploadException"/> and leaves the upload open when the parts do not fit the plan,
    /// or when the store refuses them at completion (a part rewritten after it was listed: S3's InvalidPart).
    /// </summary>
    public async Task<ObjectInfo> CompleteAsync(
        string bucket,
        string key,
        string uploadId,
        MultipartPlan plan,
        IReadOnlyList<CompletedPart>? clientParts = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var store = storage.GetBucket(bucket);
        IReadOnlyList<UploadedPart>? listed;
        try
        {
            listed = await store.ListPartsAsync(key, uploadId, cancellationToken).ConfigureAwait(false);
        }
        catch (NotSupportedException)
        {
            listed = null;
        }

        List<CompletedPart> completion;
        if (listed is not null)
        {
            CheckNumbering(plan, listed.Select(p => p.PartNumber).ToList());
            foreach (var part in listed)
            {
                var expected = plan.SizeOf(part.PartNumber);
                if (part.Size != expected)
                {
                    throw new IncompleteUploadException($"Part {part.PartNumber} has {part.Size} bytes; the upload declared {expected}.");
                }
            }

            if (clientParts is not null)
            {
                CheckNumbering(plan, clientParts.Select(p => p.PartNumber).ToList());
                foreach (var (mine, theirs) in listed.Zip(clientParts.OrderBy(p => p.PartNumber)))
                {
                    if (!string.Equals(mine.ETag, theirs.ETag.Trim('"'), StringComparison.OrdinalIgnoreCase))
                    {
                        throw new IncompleteUploadException($"Part {mine.PartNumber}'s ETag is '{mine.ETag}', not '{theirs.ETag}'.");
                    }
                }
            }

            completion = listed.Select(p => new CompletedPart(p.PartNumber, p.ETag)).ToList();
        }
        else
        {
            if (clientParts is null)
            {
                throw new NotSupportedException($"The endpoint of bucket '{bucket}' cannot list parts: completion needs the parts' ETags from the client.");
            }

            CheckNumbering(plan, clientParts.Select(p => p.PartNumber).ToList());
            completion = clientParts.OrderBy(p => p.PartNumber).ToList();
        }

        var info = await store.CompleteMultipartAsync(key, uploadId, completion, cancellationToken).ConfigureAwait(false);
        if (info.Size != plan.TotalSize)
        {
            // Only reachable without ListParts: the sizes could not be checked before assembling.
            await store.DeleteAsync(key, CancellationToken.None).ConfigureAwait(false);
            throw new IncompleteUploadException($"The parts add up to {info.Size} bytes; the upload declared {plan.TotalSize}. The object was removed.");
        }

        return info;
    }

    /// <summary>Abandons the upload: its parts are removed (where the server implements abort) and no object appears.</summary>
    public Task AbortAsync(string bucket, string key, string uploadId, CancellationToken cancellationToken = default) =>
        storage.GetBucket(bucket).AbortMultipartAsync(key, uploadId, cancellationToken);

    private static void CheckNumbering(MultipartPlan plan, List<int> numbers)
    {
        numbers.Sort();
        for (var n = 1; n <= plan.PartCount; n++)
        {
            if (n > numbers.Count || numbers[n - 1] != n)
            {
                throw new IncompleteUploadException($"Part {n} of {plan.PartCount} was not uploaded.");
            }
        }

        if (numbers.Count > plan.PartCount)
        {
            throw new IncompleteUploadException($"{numbers.Count} parts were uploaded; the upload declared {plan.PartCount}.");
        }
    }
}
