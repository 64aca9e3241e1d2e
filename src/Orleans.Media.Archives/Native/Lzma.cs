using System.Runtime.InteropServices;

namespace Orleans.Media.Archives.Native;

/// <summary>
/// Raw LZMA / LZMA2 decoding through liblzma (<c>liblzma.so.5</c>, which libarchive itself links): the small
/// compressed header at the end of a 7z here, and 7z folders through <see cref="LzmaRawDecoder"/>.
/// </summary>
internal static unsafe partial class Lzma
{
    private const string Library = "liblzma.so.5";
    private const ulong FilterLzma1 = 0x4000000000000001;
    private const ulong FilterLzma2 = 0x21;
    private const ulong VliUnknown = ulong.MaxValue;
    private const int Ok = 0;
    private const int StreamEnd = 1;
    private const int Run = 0;

    // lzma_stream: next_in, avail_in, total_in, next_out, avail_out, total_out come first (stable ABI); the rest
    // (allocator, internal state, reserved fields: 88 bytes on 64-bit) must start zeroed (LZMA_STREAM_INIT).
    private const int StreamBytes = 256;

    // LZMA_DICT_SIZE_MIN; and the first output allocation before the data proves it decodes to more.
    private const uint MinDictionary = 4096;
    private const int FirstOutputBytes = 64 * 1024;

    /// <summary>Decodes exactly <paramref name="outputSize"/> bytes; null when the coder or data is not LZMA/LZMA2 or does not decode.</summary>
    public static byte[]? TryDecode(bool lzma2, ReadOnlySpan<byte> properties, ReadOnlySpan<byte> input, int outputSize)
    {
        var filters = stackalloc Filter[2];
        filters[0] = new Filter { Id = lzma2 ? FilterLzma2 : FilterLzma1 };
        filters[1] = new Filter { Id = VliUnknown };
        fixed (byte* props = properties)
        {
            if (PropertiesDecode(filters, null, props, (nuint)properties.Length) != Ok)
            {
                return null;
            }
        }

        // liblzma allocates the whole dictionary the properties name (up to 4 GB for LZMA1) before decoding a
        // byte; a dictionary larger than the output is never used, so a hostile one is clamped to the output size.
        // dict_size is the first field of lzma_options_lzma.
        var dictionary = (uint*)filters[0].Options;
        *dictionary = Math.Min(*dictionary, Math.Max(MinDictionary, (uint)outputSize));

        var stream = (byte*)NativeMemory.AllocZeroed(StreamBytes);
        try
        {
            if (RawDecoder(stream, filters) != Ok)
            {
                return null;
            }

            // The size comes from the (untrusted) header: the buffer grows with what actually decodes, so a tiny
            // input claiming a huge output costs little before it fails.
            var output = new byte[Math.Min(outputSize, FirstOutputBytes)];
            var written = 0;
            fixed (byte* input0 = input)
            {
                *(byte**)stream = input0;
                *(nuint*)(stream + 8) = (nuint)input.Length;

                // 7z stores LZMA without an end marker: done when the output is full, not at LZMA_STREAM_END.
                while (written < outputSize)
                {
                    if (written == output.Length)
                    {
                        Array.Resize(ref output, (int)Math.Min(outputSize, 2L * output.Length));
                    }

                    int status;
                    nuint room;
                    fixed (byte* output0 = output)
                    {
                        room = (nuint)(output.Length - written);
                        *(byte**)(stream + 24) = output0 + written;
                        *(nuint*)(stream + 32) = room;
                        status = Code(stream, Run);
                        written += (int)(room - *(nuint*)(stream + 32));
                    }

                    if (status is not Ok and not StreamEnd || (status == StreamEnd && written < outputSize))
                    {
                        return null;
                    }

                    // Input used up without filling the output: the data is shorter than the header claims.
                    if (status == Ok && *(nuint*)(stream + 8) == 0 && written < output.Length)
                    {
                        return null;
                    }
                }
            }

            return output;
        }
        finally
        {
            End(stream);
            NativeMemory.Free(stream);
            // lzma_filters_free is liblzma 5.4+; with the default allocator the options are plain malloc memory.
            NativeMemory.Free(filters[0].Options);
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct Filter
    {
        public ulong Id;
        public void* Options;
    }

    [LibraryImport(Library, EntryPoint = "lzma_properties_decode")]
    internal static partial int PropertiesDecode(Filter* filter, void* allocator, byte* props, nuint propsSize);

    [LibraryImport(Library, EntryPoint = "lzma_raw_decoder")]
    internal static partial int RawDecoder(byte* stream, Filter* filters);

    [LibraryImport(Library, EntryPoint = "lzma_code")]
    internal static partial int Code(byte* stream, int action);

    [LibraryImport(Library, EntryPoint = "lzma_end")]
    internal static partial void End(byte* stream);
}
