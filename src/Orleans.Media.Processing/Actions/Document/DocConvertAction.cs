using System.Text.RegularExpressions;

namespace Orleans.Media.Processing.Actions.Document;

/// <summary>
/// <c>doc/convert</c> with LibreOffice headless. Parameters: <c>format</c> (alias <c>target</c>, as OSS names it;
/// pdf, docx, odt, rtf, txt, html, xlsx, ods, csv, pptx, odp, png, jpg; required), <c>pages</c> (a page range such as
/// <c>2-3</c> or <c>1,3-5</c>; pdf only), <c>output</c>. An image format gives the first page. Each conversion runs
/// with its own LibreOffice profile folder in its run folder, so conversions run side by side (LibreOffice refuses
/// a second instance on one profile).
/// </summary>
public sealed partial class DocConvertAction(ActionRuntime runtime) : ToolAction(runtime)
{
    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.Ordinal)
    {
        ["pdf"] = "application/pdf",
        ["docx"] = "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ["odt"] = "application/vnd.oasis.opendocument.text",
        ["rtf"] = "application/rtf",
        ["txt"] = "text/plain",
        ["html"] = "text/html",
        ["xlsx"] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ["ods"] = "application/vnd.oasis.opendocument.spreadsheet",
        ["csv"] = "text/csv",
        ["pptx"] = "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ["odp"] = "application/vnd.oasis.opendocument.presentation",
        ["png"] = "image/png",
        ["jpg"] = "image/jpeg",
    };

    public override string Name => "doc/convert";

    protected override Func<string, string, ToolPlan> Parse(ActionParameters p)
    {
        var format = p.GetChoice("format", ContentTypes.Keys.ToArray(), "target") ?? throw p.Invalid("format", "is required");
        var pages = p.Get("pages");
        if (pages is not null)
        {
            if (format != "pdf")
            {
                throw p.Invalid("pages", $"applies only to format=pdf (not {format})");
            }

            if (!PageRange().IsMatch(pages))
            {
                throw p.Invalid("pages", $"must be a page range such as 2-3 or 1,3-5 (got '{pages}')");
            }
        }

        return (input, outDir) =>
        {
            var run = Path.GetDirectoryName(outDir)!;
            var profileFolder = Path.Combine(run, "lo-profile");
            WriteProfile(profileFolder);
            var profile = new Uri(profileFolder).AbsoluteUri;
            var filter = format switch
            {
                "pdf" when pages is not null => $"pdf:{PdfExportFilter(input)}:{{\"PageRange\":{{\"type\":\"string\",\"value\":\"{pages}\"}}}}",
                "txt" => "txt:Text (encoded):UTF8",
                "jpg" => "jpg",
                _ => format,
            };
            List<string> args =
            [
                "-env:UserInstallation=" + profile, "--headless", "--invisible", "--nocrashreport", "--nodefault", "--nofirststartwizard",
                "--nolockcheck", "--nologo", "--norestore",
            ];

            // LibreOffice opens HTML as a web page (Writer/Web), which exports to almost nothing: open it as a text document.
            if (Path.GetExtension(input).ToLowerInvariant() is ".html" or ".htm")
            {
                args.Add("--infilter=HTML (StarWriter)");
            }

            args.AddRange(["--convert-to", filter, "--outdir", outDir, input]);
            return new ToolPlan([(Runtime.Options.SofficePath, args)], format, ContentTypes[format])
            {
                // LibreOffice's temporary folder (TMPDIR/lu<pid>...tmp) is removed only when it exits normally: a
                // killed one would leave it, with pieces of the document, in /tmp. In the run folder it goes with it.
                Environment = new Dictionary<string, string?> { ["HOME"] = run, ["TMPDIR"] = Directory.CreateDirectory(Path.Combine(run, "tmp")).FullName },
            };
        };
    }

    /// <summary>
    /// A document is a user's file, and LibreOffice loads what it links: images and frames by file:// URL (any file
    /// the silo can read, embedded in the output) and by http (requests to internal hosts from the silo, which the
    /// URL ingestion guard never sees), stylesheets by http. The profile refuses linked content from a document
    /// (<c>BlockUntrustedRefererLinks</c>: no location is trusted) and sends every http(s) request LibreOffice still
    /// makes to a proxy on the discard port of loopback, which forwards nothing.
    /// </summary>
    internal static void WriteProfile(string profileFolder)
    {
        var user = Directory.CreateDirectory(Path.Combine(profileFolder, "user"));
        File.WriteAllText(Path.Combine(user.FullName, "registrymodifications.xcu"), ProfileSettings);
    }

    private const string ProfileSettings = """
        <?xml version="1.0" encoding="UTF-8"?>
        <oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
        <item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="BlockUntrustedRefererLinks" oor:op="fuse"><value>true</value></prop></item>
        <item oor:path="/org.openoffice.Inet/Settings"><prop oor:name="ooInetProxyType" oor:op="fuse"><value>2</value></prop></item>
        <item oor:path="/org.openoffice.Inet/Settings"><prop oor:name="ooInetHTTPProxyName" oor:op="fuse"><value>127.0.0.1</value></prop></item>
        <item oor:path="/org.openoffice.Inet/Settings"><prop oor:name="ooInetHTTPProxyPort" oor:op="fuse"><value>9</value></prop></item>
        <item oor:path="/org.openoffice.Inet/Settings"><prop oor:name="ooInetHTTPSProxyName" oor:op="fuse"><value>127.0.0.1</value></prop></item>
        <item oor:path="/org.openoffice.Inet/Settings"><prop oor:name="ooInetHTTPSProxyPort" oor:op="fuse"><value>9</value></prop></item>
        <item oor:path="/org.openoffice.Inet/Settings"><prop oor:name="ooInetNoProxy" oor:op="fuse"><value></value></prop></item>
        </oor:items>
        """;

    // Page ranges are an option of each application's PDF export filter.
    private static string PdfExportFilter(string input) => Path.GetExtension(input).ToLowerInvariant() switch
    {
        ".xls" or ".xlsx" or ".ods" or ".csv" => "calc_pdf_Export",
        ".ppt" or ".pptx" or ".odp" => "impress_pdf_Export",
        _ => "writer_pdf_Export",
    };

    [GeneratedRegex(@"^[1-9][0-9]{0,5}(-[1-9][0-9]{0,5})?(,[1-9][0-9]{0,5}(-[1-9][0-9]{0,5})?)*$")]
    private static partial Regex PageRange();
}
