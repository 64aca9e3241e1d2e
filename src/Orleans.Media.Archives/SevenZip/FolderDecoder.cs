using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Orleans.Media.Archives.Native;

namespace Orleans.Media.Archives.SevenZip;

/// <summary>How a folder decodes: an optional AES coder on the packed stream, then a liblzma chain (or a copy).</summary>
internal sealed record FolderChain(SevenZipCoder? Aes, long AesOutput, IReadOnlyList<(ulong Id, byte[] Properties)> Filters);

/// <summary>
/// Decodes one 7z folder front to back: packed bytes read from the source in 1 MiB blocks, decrypted in place by
/// .NET's AES (CBC, AES-NI through the platform's crypto library) and decoded by liblzma straight into the caller's
/// buffer. Folders this does not cover (BCJ2, PPMd, BZip2, Deflate, LZMA1 behind a filter, several packed streams)
/// get no chain from <see cref="TryChain"/> and go to SharpCompress or libarchive.
/// </summary>
internal sealed unsafe class FolderDecoder : IDisposable
{
    private const int InputBytes = 1 << 20;
    private const int AesBlock = 16;

    private readonly Stream _source;
    private readonly Aes? _aes;
    private readonly byte[] _iv = new byte[AesBlock];
    private readonly byte[]? _cipher;
    private readonly LzmaRawDecoder? _lzma;
    private byte* _input;
    private long _packRemaining;
    private long _aesRemaining;
    private long _remaining;
    private int _inStart;
    private int _inEnd;

    private FolderDecoder(Stream source, long packSize, long unpackSize, Aes? aes, byte[]? iv, long aesOutput, LzmaRawDecoder? lzma)
    {
        _source = source;
        _packRemaining = packSize;
        _remaining = unpackSize;
        _aes = aes;
        _aesRemaining = aesOutput;
        iv?.CopyTo(_iv, 0);
        _cipher = aes is null ? null : new byte[InputBytes];
        _lzma = lzma;
        _input = (byte*)NativeMemory.Alloc(InputBytes);
    }

    /// <summary>Packed bytes read from the source so far.</summary>
    public long SourceBytes { get; private set; }

    /// <summary>Output bytes still to come.</summary>
    public long Remaining => _remaining;

    private static readonly Dictionary<string, ulong> LiblzmaFilters = new(StringComparer.Ordinal)
    {
        ["21"] = LzmaRawDecoder.FilterLzma2,
        ["030101"] = LzmaRawDecoder.FilterLzma1,
        ["03030103"] = 0x04, // x86 BCJ
        ["03030205"] = 0x05, // PowerPC
        ["03030401"] = 0x06, // IA-64
        ["03030501"] = 0x07, // ARM
        ["03030701"] = 0x08, // ARM-Thumb
        ["03030805"] = 0x09, // SPARC
        ["0A"] = 0x0A, // ARM64 (liblzma 5.4)
        ["03"] = 0x03, // Delta
    };

    /// <summary>
    /// The chain for a folder whose coders form one line (each 1-in/1-out, each reading the next one's output, the
    /// last reading the one packed stream; 7-Zip lists them in any order and binds them by index): AES only last,
    /// LZMA/LZMA2 last of the rest (LZMA1 alone: without its end marker a filter in front of it would hold back its
    /// last bytes). Null for anything else.
    /// </summary>
    public static FolderChain? TryChain(SevenZipFolder folder)
    {
        var coders = folder.Coders;
        var n = coders.Count;
        if (n is 0 or > 4 || coders.Any(c => c.InStreams != 1 || c.OutStreams != 1) || folder.BindPairs.Count != n - 1
            || folder.PackedStreams.Count != 1 || folder.UnpackSizes.Count != n)
        {
            return null;
        }

        // With 1-in/1-out coders, stream index i is coder i's. Walk from the folder's output towards the packed data.
        var order = new List<int>(n) { folder.MainOutStream };
        while (folder.BindPairs.FirstOrDefault(b => b.InIndex == order[^1]) is var (_, next) && folder.BindPairs.Any(b => b.InIndex == order[^1]))
        {
            if (order.Contains(next) || order.Count == n)
            {
                return null;
            }

            order.Add(next);
        }

        if (order.Count != n || folder.PackedStreams[0] != order[^1])
        {
            return null;
        }

        var aes = coders[order[^1]].Is(SevenZipAes.MethodId) ? coders[order[^1]] : null;
        var filters = new List<(ulong, byte[])>();
        foreach (var index in aes is null ? order : order.Take(n - 1))
        {
            var coder = coders[index];
            if (coder.Is(0x00))
            {
                continue; // copy
            }

            if (!LiblzmaFilters.TryGetValue(Convert.ToHexString(coder.Id), out var id))
            {
                return null;
            }

            filters.Add((id, coder.Properties));
        }

        if (filters.Count > 0)
        {
            var last = filters[^1].Item1;
            if (last is not (LzmaRawDecoder.FilterLzma1 or LzmaRawDecoder.FilterLzma2)
                || filters.Take(filters.Count - 1).Any(f => f.Item1 is LzmaRawDecoder.FilterLzma1 or LzmaRawDecoder.FilterLzma2)
                || (last == LzmaRawDecoder.FilterLzma1 && filters.Count > 1))
            {
                return null;
            }
        }

        return new FolderChain(aes, aes is null ? 0 : folder.UnpackSizes[order[^1]], filters);
    }

    /// <summary>
    /// Starts decoding <paramref name="folder"/>. <paramref name="key"/> is the AES key when the chain has AES.
    /// Throws <see cref="InvalidDataException"/> when liblzma refuses the coder properties.
    /// </summary>
    public static FolderDecoder Open(Stream source, SevenZipDirectory directory, SevenZipFolder folder, FolderChain chain, byte[]? key)
    {
        LzmaRawDecoder? lzma = null;
        if (chain.Filters.Count > 0)
        {
            lzma = LzmaRawDecoder.TryCreate(chain.Filters, folder.UnpackSize)
                ?? throw new InvalidDataException("liblzma refused the folder's coder properties");
        }

        Aes? aes = null;
        byte[]? iv = null;
        if (chain.Aes is not null)
        {
            aes = Aes.Create();
            aes.Key = key ?? throw new InvalidOperationException("an AES folder needs a key");
            iv = SevenZipAes.ParseProperties(chain.Aes.Properties).Iv;
        }

        var decoder = new FolderDecoder(source, directory.PackSizes[folder.FirstPackStream], folder.UnpackSize, aes, iv, chain.AesOutput, lzma);
        source.Seek(directory.PackOffset(folder), SeekOrigin.Begin);
        return decoder;
    }

    /// <summary>
    /// Up to <paramref name="output"/>'s length of the folder's output; 0 only at its end. Throws
    /// <see cref="InvalidDataException"/> on data that does not decode or ends early, and lets the source's own
    /// exceptions through.
    /// </summary>
    public int Read(Span<byte> output)
    {
        ObjectDisposedException.ThrowIf(_input is null, this);
        if (_remaining == 0 || output.IsEmpty)
        {
            return 0;
        }

        if (output.Length > _remaining)
        {
            output = output[..(int)_remaining];
        }

        while (true)
        {
            if (_inStart == _inEnd)
            {
                Fill();
            }

            var available = _inEnd - _inStart;
            int produced;
            if (_lzma is null)
            {
                produced = Math.Min(output.Length, available);
                if (produced == 0)
                {
                    throw new InvalidDataException("the packed data ends before the folder's declared size");
                }

                new ReadOnlySpan<byte>(_input + _inStart, produced).CopyTo(output);
                _inStart += produced;
            }
            else
            {
                var (status, consumed, made) = _lzma.Decode(_input + _inStart, available, output);
                _inStart += consumed;
                produced = made;
                if (status is not 0 and not 1)
                {
                    throw new InvalidDataException("LZMA " + LzmaRawDecoder.Describe(status));
                }

                if (produced == 0 && (status == 1 || (available == 0 && consumed == 0)))
                {
                    throw new InvalidDataException("the LZMA stream ends before the folder's declared size");
                }
            }

            if (produced > 0)
            {
                _remaining -= produced;
                return produced;
            }
        }
    }

    /// <summary>Decodes and drops <paramref name="count"/> bytes (files before the wanted one in a solid block).</summary>
    public void Skip(long count, Span<byte> scratch)
    {
        while (count > 0)
        {
            var n = Read(scratch[..(int)Math.Min(scratch.Length, count)]);
            if (n == 0)
            {
                throw new InvalidDataException("the folder ends before the file's offset");
            }

            count -= n;
        }
    }

    /// <summary>The next block of packed input (decrypted): empty only when the packed stream is used up.</summary>
    private void Fill()
    {
        _inStart = 0;
        _inEnd = 0;
        var want = (int)Math.Min(InputBytes, _packRemaining);
        if (want == 0)
        {
            return;
        }

        if (_aes is null)
        {
            var n = _source.Read(new Span<byte>(_input, want));
            _packRemaining -= n;
            SourceBytes += n;
            _inEnd = n;
            return;
        }

        // Whole AES blocks only: a packed AES stream is a multiple of 16 bytes, and so is every block but the last.
        var read = _source.ReadAtLeast(_cipher.AsSpan(0, want), want, throwOnEndOfStream: false);
        _packRemaining -= read;
        SourceBytes += read;
        if (read % AesBlock != 0)
        {
            throw new InvalidDataException("the encrypted data is not a whole number of AES blocks");
        }

        if (read == 0)
        {
            return;
        }

        var plain = new Span<byte>(_input, read);
        _aes.DecryptCbc(_cipher.AsSpan(0, read), _iv, plain, PaddingMode.None);
        _cipher.AsSpan(read - AesBlock, AesBlock).CopyTo(_iv);

        // Past the AES coder's own output size is padding.
        var valid = (int)Math.Min(read, _aesRemaining);
        _aesRemaining -= valid;
        _inEnd = valid;
    }

    public void Dispose()
    {
        _lzma?.Dispose();
        _aes?.Dispose();
        if (_input is not null)
        {
            NativeMemory.Free(_input);
            _input = null;
        }
    }
}
