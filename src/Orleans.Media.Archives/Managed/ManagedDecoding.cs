using Orleans.Media.Archives.Native;
using SharpCompress.Archives;
using SharpCompress.Archives.Rar;
using SharpCompress.Archives.SevenZip;

namespace Orleans.Media.Archives.Managed;

/// <summary>
/// What SharpCompress will decode: the password that opens the archive and its entries in reading order.
/// <see cref="Opens"/> counts the times choosing opened the archive: each open of encrypted headers derives the key
/// again (RAR 4: ~5 MB and tens of ms per header), so tests hold it to the minimum. It may hold the session whose
/// listing decrypted the headers, kept to decode from (RAR, not solid); the choice disposes that session unless a
/// caller has taken it (<see cref="TakeListed"/>).
/// </summary>
internal sealed class ManagedChoice(
    ArchiveFormat format,
    string password,
    bool headersEncrypted,
    IReadOnlyList<RawEntry> entries,
    IReadOnlyList<long> packedSizes,
    int opens,
    ManagedArchiveReader? listed) : IDisposable
{
    private ManagedArchiveReader? _listed = listed;

    public ArchiveFormat Format { get; } = format;

    public string Password { get; } = password;

    public bool HeadersEncrypted { get; } = headersEncrypted;

    public IReadOnlyList<RawEntry> Entries { get; } = entries;

    public IReadOnlyList<long> PackedSizes { get; } = packedSizes;

    public int Opens { get; } = opens;

    /// <summary>The listing's session, now the caller's to dispose; null when there is none or it was taken.</summary>
    public ManagedArchiveReader? TakeListed()
    {
        var taken = _listed;
        _listed = null;
        return taken;
    }

    public void Dispose() => _listed?.Dispose();
}

/// <summary>
/// Chooses SharpCompress over libarchive for an archive: only a 7z or RAR whose headers or entries are encrypted,
/// and only when a password was given (libarchive 3.6 decrypts neither; for everything else it is the faster
/// decoder, and it alone reads zip, tar and the filters). Without a password libarchive still lists and refuses.
/// </summary>
internal static class ManagedDecoding
{
    /// <summary>Bytes of the first encrypted entry decoded to tell which of several passwords is right.</summary>
    private const int ProbeBytes = 64 * 1024;

    public static bool Handles(ArchiveFormat format) => format is ArchiveFormat.SevenZip or ArchiveFormat.Rar or ArchiveFormat.Rar5;

    /// <summary>
    /// Null when libarchive should decode. Throws <see cref="ArchiveException"/> (<see cref="ArchiveErrorCode.WrongPassword"/>)
    /// when the headers are encrypted and no given password opens them, or the entry count is over the limit.
    /// </summary>
    public static ManagedChoice? Choose(Stream stream, ArchiveFormat sniffed, IReadOnlyList<string> passphrases, ArchiveLimits? limits)
    {
        if (!Handles(sniffed) || passphrases.Count == 0)
        {
            return null;
        }

        // RAR: each file's packed size as its header declares it, read in the same pass as the entries.
        var packed = sniffed == ArchiveFormat.SevenZip ? null : new List<long>();
        var opens = 0;
        List<RawEntry>? entries;
        bool headersEncrypted;
        try
        {
            entries = List(stream, sniffed, password: null, limits, packed, ref opens, out _);
            headersEncrypted = false;
        }
        catch (Exception ex) when (ManagedArchiveReader.Classify(ex, false) == ArchiveErrorCode.NoPassword)
        {
            entries = null;
            headersEncrypted = true;
        }
        catch (ArchiveException)
        {
            throw;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return null; // damaged beyond what SharpCompress reads: libarchive reports it, naming the entry
        }

        if (!headersEncrypted && !entries!.Any(e => e.IsEncrypted))
        {
            return null;
        }

        string? password = null;
        ManagedArchiveReader? listed = null;
        if (headersEncrypted)
        {
            foreach (var candidate in passphrases)
            {
                try
                {
                    packed?.Clear();
                    entries = List(stream, sniffed, candidate, limits, packed, ref opens, out listed);
                    password = candidate;
                    break;
                }
                catch (ArchiveException ex) when (ex.Code == ArchiveErrorCode.TooManyEntries)
                {
                    throw;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Encrypted headers decrypted with a wrong password do not parse: try the next one.
                }
            }

            if (password is null)
            {
                throw new ArchiveException(
                    ArchiveErrorCode.WrongPassword,
                    passphrases.Count == 1
                        ? "Incorrect password: the given password does not decrypt the archive's encrypted headers"
                        : $"Incorrect password: none of the {passphrases.Count} given passwords decrypts the archive's encrypted headers");
            }
        }
        else if (passphrases.Count == 1)
        {
            password = passphrases[0];
        }
        else
        {
            foreach (var candidate in passphrases)
            {
                if (Opens(stream, sniffed, candidate, ref opens))
                {
                    password = candidate;
                    break;
                }
            }

            password ??= passphrases[0];
        }

        // 7z: as `7zz l` lists them, from the header (a solid block's packed size on its first file).
        IReadOnlyList<long> packedSizes = packed ?? (IReadOnlyList<long>)new long[entries!.Count];
        if (sniffed == ArchiveFormat.SevenZip && !headersEncrypted && ArchivePlan.SevenZipPackedSizes(stream, entries!.Count) is { } sizes)
        {
            packedSizes = sizes;
        }

        return new ManagedChoice(sniffed, password, headersEncrypted, entries!, packedSizes, opens, listed);
    }

    /// <summary>
    /// Lists the entries. With a password, <paramref name="listed"/> is the session that did, kept to decode them too
    /// when it can (RAR, not solid: a solid one is decoded front to back by SharpCompress's reader, which reads the
    /// headers again).
    /// </summary>
    private static List<RawEntry> List(
        Stream stream, ArchiveFormat format, string? password, ArchiveLimits? limits, List<long>? packed, ref int opens, out ManagedArchiveReader? listed)
    {
        opens++;
        listed = null;
        var source = new CountingStream(stream);
        var archive = OpenArchive(source, format, password);
        try
        {
            var entries = new List<RawEntry>();
            foreach (var e in archive.Entries)
            {
                if (limits is not null && entries.Count >= limits.MaxEntries)
                {
                    throw ArchivePlan.TooMany(limits, $"more than {limits.MaxEntries:N0}");
                }

                entries.Add(ManagedArchiveReader.ToRaw(e));
                packed?.Add(e.IsDirectory ? 0 : e.CompressedSize);
            }

            if (password is not null && format != ArchiveFormat.SevenZip && !archive.IsSolid)
            {
                listed = ManagedArchiveReader.FromListing(archive, source, format, password);
                archive = null;
            }

            return entries;
        }
        finally
        {
            archive?.Dispose();
        }
    }

    private static IArchive OpenArchive(Stream stream, ArchiveFormat format, string? password)
    {
        stream.Seek(0, SeekOrigin.Begin);
        var options = ManagedArchiveReader.Options(password);
        return format == ArchiveFormat.SevenZip ? SevenZipArchive.OpenArchive(stream, options) : RarArchive.OpenArchive(stream, options);
    }

    /// <summary>Whether <paramref name="password"/> decodes the start of the first encrypted file (and its CRC, when that is all of it).</summary>
    private static bool Opens(Stream stream, ArchiveFormat format, string password, ref int opens)
    {
        opens++;
        try
        {
            using var reader = ManagedArchiveReader.Open(stream, format, password, headersEncrypted: false);
            var buffer = new byte[ProbeBytes];
            while (reader.MoveNext(out var entry, out _))
            {
                if (entry is not { IsEncrypted: true, Kind: ArchiveEntryKind.File, Size: > 0 })
                {
                    continue;
                }

                var total = 0;
                while (total < ProbeBytes && reader.Read(buffer) is > 0 and var n)
                {
                    total += n;
                }

                return true;
            }

            return true;
        }
        catch (Exception ex) when (ex is ArchiveException or EntryDataException)
        {
            return false;
        }
    }
}
