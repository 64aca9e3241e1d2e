using System.Runtime.InteropServices;

namespace Orleans.Media.Archives.Native;

/// <summary>
/// A streaming raw liblzma decoder for a filter chain (BCJ/delta filters, then LZMA or LZMA2 last, in liblzma's
/// order) with 7z's coder properties: the native decoder 7-Zip and libarchive use, driven without copies in between.
/// </summary>
internal sealed unsafe class LzmaRawDecoder : IDisposable
{
    public const ulong FilterLzma1 = 0x4000000000000001;
    public const ulong FilterLzma2 = 0x21;
    private const ulong VliUnknown = ulong.MaxValue;
    private const int Ok = 0;
    private const int StreamBytes = 256;
    private const uint MinDictionary = 4096;

    private byte* _stream;
    private readonly void*[] _options;

    private LzmaRawDecoder(byte* stream, void*[] options)
    {
        _stream = stream;
        _options = options;
    }

    /// <summary>
    /// Null when liblzma refuses the chain or a filter's properties. <paramref name="outputSize"/> clamps the
    /// dictionary: liblzma allocates all of it up front, and one larger than the output is never used.
    /// </summary>
    public static LzmaRawDecoder? TryCreate(IReadOnlyList<(ulong Id, byte[] Properties)> chain, long outputSize)
    {
        if (chain.Count is 0 or > 4)
        {
            return null;
        }

        var filters = stackalloc Lzma.Filter[chain.Count + 1];
        var options = new void*[chain.Count];
        var ok = true;
        for (var i = 0; i < chain.Count && ok; i++)
        {
            filters[i] = new Lzma.Filter { Id = chain[i].Id };
            fixed (byte* props = chain[i].Properties)
            {
                ok = Lzma.PropertiesDecode(&filters[i], null, props, (nuint)chain[i].Properties.Length) == Ok;
            }

            options[i] = filters[i].Options;
            if (ok && chain[i].Id is FilterLzma1 or FilterLzma2 && filters[i].Options is not null)
            {
                // dict_size is the first field of lzma_options_lzma.
                var dictionary = (uint*)filters[i].Options;
                *dictionary = (uint)Math.Min(*dictionary, Math.Max(MinDictionary, Math.Min(outputSize, uint.MaxValue)));
            }
        }

        filters[chain.Count] = new Lzma.Filter { Id = VliUnknown };
        var stream = (byte*)NativeMemory.AllocZeroed(StreamBytes);
        if (!ok || Lzma.RawDecoder(stream, filters) != Ok)
        {
            Lzma.End(stream);
            NativeMemory.Free(stream);
            FreeOptions(options);
            return null;
        }

        return new LzmaRawDecoder(stream, options);
    }

    /// <summary>One <c>lzma_code(LZMA_RUN)</c>: liblzma's status, input bytes consumed and output bytes produced.</summary>
    public (int Status, int Consumed, int Produced) Decode(byte* input, int inputLength, Span<byte> output)
    {
        ObjectDisposedException.ThrowIf(_stream is null, this);
        fixed (byte* output0 = output)
        {
            *(byte**)_stream = input;
            *(nuint*)(_stream + 8) = (nuint)inputLength;
            *(byte**)(_stream + 24) = output0;
            *(nuint*)(_stream + 32) = (nuint)output.Length;
            var status = Lzma.Code(_stream, 0);
            var consumed = inputLength - (int)*(nuint*)(_stream + 8);
            var produced = output.Length - (int)*(nuint*)(_stream + 32);
            return (status, consumed, produced);
        }
    }

    /// <summary>liblzma's lzma_ret names, for messages.</summary>
    public static string Describe(int status) => status switch
    {
        5 => "out of memory (LZMA_MEM_ERROR)",
        6 => "memory limit (LZMA_MEMLIMIT_ERROR)",
        7 => "format error (LZMA_FORMAT_ERROR)",
        8 => "unsupported options (LZMA_OPTIONS_ERROR)",
        9 => "data error (LZMA_DATA_ERROR)",
        10 => "no progress (LZMA_BUF_ERROR)",
        _ => $"lzma_ret {status}",
    };

    public void Dispose()
    {
        if (_stream is null)
        {
            return;
        }

        Lzma.End(_stream);
        NativeMemory.Free(_stream);
        _stream = null;
        FreeOptions(_options);
    }

    // lzma_filters_free is liblzma 5.4+; with the default allocator the options are plain malloc memory.
    private static void FreeOptions(void*[] options)
    {
        for (var i = 0; i < options.Length; i++)
        {
            NativeMemory.Free(options[i]);
            options[i] = null;
        }
    }
}
