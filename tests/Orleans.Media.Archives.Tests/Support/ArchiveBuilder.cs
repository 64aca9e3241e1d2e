namespace Orleans.Media.Archives.Tests.Support;

/// <summary>Builds an archive of a folder with the real tool for each kind.</summary>
internal static class ArchiveBuilder
{
    public static string Build(string kind, string sourceDir, string outputDir, string? password = null)
    {
        var output = Path.Combine(outputDir, $"{Path.GetFileName(sourceDir)}-{kind}-{Guid.NewGuid().ToString("N")[..6]}.{Extension(kind)}");
        switch (kind)
        {
            case "zip":
                Tools.Run(sourceDir, "zip", "-q", "-r", "-y", output, ".");
                break;
            case "zip-zipcrypto":
                Tools.Run(sourceDir, "zip", "-q", "-r", "-y", "-P", password!, output, ".");
                break;
            case "zip-aes":
                Tools.Run(sourceDir, "7zz", "a", "-bd", "-y", "-tzip", "-mem=AES256", "-p" + password, output, ".");
                break;
            case "7z-solid":
                Tools.Run(sourceDir, "7zz", "a", "-bd", "-y", "-snl", "-ms=on", output, ".");
                break;
            case "7z-nonsolid":
                Tools.Run(sourceDir, "7zz", "a", "-bd", "-y", "-snl", "-ms=off", output, ".");
                break;
            case "7z-encrypted":
                Tools.Run(sourceDir, "7zz", "a", "-bd", "-y", "-p" + password, output, ".");
                break;
            case "7z-encrypted-headers":
                Tools.Run(sourceDir, "7zz", "a", "-bd", "-y", "-mhe=on", "-p" + password, output, ".");
                break;
            case "tar":
                Tools.Run(sourceDir, "bsdtar", "-cf", output, ".");
                break;
            case "tar.gz":
                Tools.Run(sourceDir, "bsdtar", "-czf", output, ".");
                break;
            case "tar.bz2":
                Tools.Run(sourceDir, "bsdtar", "-cjf", output, ".");
                break;
            case "tar.xz":
                Tools.Run(sourceDir, "bsdtar", "-cJf", output, ".");
                break;
            case "tar.zst":
                Tools.Run(sourceDir, "bsdtar", "--zstd", "-cf", output, ".");
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }

        return output;
    }

    private static string Extension(string kind) => kind switch
    {
        _ when kind.StartsWith("zip", StringComparison.Ordinal) => "zip",
        _ when kind.StartsWith("7z", StringComparison.Ordinal) => "7z",
        _ => kind,
    };
}
