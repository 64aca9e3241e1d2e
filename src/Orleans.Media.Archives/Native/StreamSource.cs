using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Orleans.Media.Archives.Native;

/// <summary>
/// Feeds libarchive from a .NET <see cref="Stream"/> through read/seek/skip callbacks, so the archive is never
/// copied to a temporary file. libarchive gets a <see cref="GCHandle"/> to this object as client data.
/// <para>
/// Reads are adaptive: right after a seek the next read is small (a zip local header or a 7z header needs only
/// a few hundred bytes) and each sequential read doubles up to <see cref="MaxBlock"/>. Selected-entry extraction
/// from a large zip therefore pulls little more than the central directory and the chosen entries.
/// </para>
/// </summary>
internal sealed unsafe class StreamSource : IDisposable
{
    private const int MinBlock = 1024;
    private const int MaxBlock = 1024 * 1024;

    private readonly Stream _stream;
    private readonly byte* _buffer;
    private GCHandle _self;
    private int _nextRead;
    private long _position;

    public StreamSource(Stream stream)
    {
        _stream = stream;
        _buffer = (byte*)NativeMemory.Alloc(MaxBlock);
        _nextRead = stream.CanSeek ? MinBlock : MaxBlock;
        _position = stream.CanSeek ? stream.Position : 0;
        _self = GCHandle.Alloc(this);
    }

    /// <summary>The exception a callback caught (callbacks must never throw into native code).</summary>
    public Exception? Failure { get; private set; }

    public nint ClientData => GCHandle.ToIntPtr(_self);

    public bool CanSeek => _stream.CanSeek;

    public static void Register(SafeArchiveHandle archive, StreamSource source)
    {
        Check(archive, LibArchive.SetReadCallback(archive, &OnRead));
        if (source.CanSeek)
        {
            Check(archive, LibArchive.SetSeekCallback(archive, &OnSeek));
            Check(archive, LibArchive.SetSkipCallback(archive, &OnSkip));
        }

        Check(archive, LibArchive.SetCloseCallback(archive, &OnClose));
        Check(archive, LibArchive.SetCallbackData(archive, source.ClientData));
    }

    /// <summary>
    /// Reads bytes at an absolute offset for our own header parsing, then puts the stream back where libarchive
    /// left it (libarchive assumes the position only moves through its callbacks).
    /// </summary>
    public int PeekAt(long offset, Span<byte> buffer)
    {
        var saved = _stream.Position;
        try
        {
            _stream.Seek(offset, SeekOrigin.Begin);
            var total = 0;
            while (total < buffer.Length)
            {
                var n = _stream.Read(buffer[total..]);
                if (n == 0)
                {
                    break;
                }

                total += n;
            }

            return total;
        }
        finally
        {
            _stream.Seek(saved, SeekOrigin.Begin);
        }
    }

    /// <summary>Called after <c>archive_read_free</c>: libarchive no longer holds the handle or the buffer.</summary>
    public void Dispose()
    {
        if (_self.IsAllocated)
        {
            _self.Free();
            NativeMemory.Free(_buffer);
        }
    }

    private static void Check(SafeArchiveHandle archive, int status)
    {
        if (status != LibArchive.Ok)
        {
            throw new InvalidOperationException("libarchive refused a callback: " + ArchiveReader.ErrorText(archive));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static StreamSource From(nint clientData) => (StreamSource)GCHandle.FromIntPtr(clientData).Target!;

    [UnmanagedCallersOnly]
    private static nint OnRead(nint archive, nint clientData, nint* buffer)
    {
        var self = From(clientData);
        try
        {
            var want = self._nextRead;
            var read = self._stream.Read(new Span<byte>(self._buffer, want));
            self._position += read;
            self._nextRead = Math.Min(MaxBlock, want * 2);
            *buffer = (nint)self._buffer;
            return read;
        }
        catch (Exception ex)
        {
            self.Failure ??= ex;
            return LibArchive.Fatal;
        }
    }

    [UnmanagedCallersOnly]
    private static long OnSeek(nint archive, nint clientData, long offset, int whence)
    {
        var self = From(clientData);
        try
        {
            var origin = whence switch
            {
                0 => SeekOrigin.Begin,
                1 => SeekOrigin.Current,
                _ => SeekOrigin.End,
            };
            var target = self._stream.Seek(offset, origin);
            if (target != self._position)
            {
                self._nextRead = MinBlock;
            }

            self._position = target;
            return target;
        }
        catch (Exception ex)
        {
            self.Failure ??= ex;
            return LibArchive.Fatal;
        }
    }

    [UnmanagedCallersOnly]
    private static long OnSkip(nint archive, nint clientData, long request)
    {
        var self = From(clientData);
        try
        {
            var length = self._stream.Length;
            var skip = Math.Max(0, Math.Min(request, length - self._position));
            if (skip > 0)
            {
                self._position = self._stream.Seek(skip, SeekOrigin.Current);
                self._nextRead = MinBlock;
            }

            return skip;
        }
        catch (Exception ex)
        {
            self.Failure ??= ex;
            return LibArchive.Fatal;
        }
    }

    [UnmanagedCallersOnly]
    private static int OnClose(nint archive, nint clientData) => LibArchive.Ok;
}
