using System.Runtime.InteropServices;

namespace Orleans.Media.Archives.Native;

/// <summary>Owns a <c>struct archive*</c> from <c>archive_read_new</c>; released with <c>archive_read_free</c>.</summary>
internal sealed class SafeArchiveHandle : SafeHandle
{
    public SafeArchiveHandle()
        : base(nint.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == nint.Zero;

    protected override bool ReleaseHandle() => LibArchive.ReadFree(handle) == LibArchive.Ok;
}
