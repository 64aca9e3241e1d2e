using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;

namespace Orleans.Media.Processing.Tests;

/// <summary>LibreOffice is slow to start: one test, two conversions side by side (each with its own profile).</summary>
public sealed partial class DocConvertTests : IDisposable
{
    private readonly ProcessingHost _host = new();

    public void Dispose() => _host.Dispose();

    [Fact]
    public async Task Two_documents_convert_side_by_side_with_a_page_range()
    {
        // Three pages for LibreOffice's HTML import: a forced page break before the second and third.
        var html = new StringBuilder("<html><body><h1>Page one</h1>");
        html.Append("<h1 style=\"page-break-before: always\">Page two</h1><h1 style=\"page-break-before: always\">Page three</h1></body></html>");
        var source = await _host.PutBytesAsync("docs/report.html", Encoding.UTF8.GetBytes(html.ToString()));

        var pdf = _host.Actions.Prepare("doc/convert", ["target=pdf", "pages=2-3"]).RunAsync(source);
        var docx = _host.Actions.Prepare("doc/convert", ["format=docx", "output=oss://{bucket}/word/{barename}.{autoext}"]).RunAsync(source);
        var results = await Task.WhenAll(pdf, docx);

        var pdfOut = Assert.Single(results[0].Outputs);
        Assert.Equal("docs/report_output.pdf", pdfOut.Uri.Key);
        var pdfText = Encoding.Latin1.GetString(await File.ReadAllBytesAsync(_host.PathOf(pdfOut.Uri.Key)));
        Assert.StartsWith("%PDF", pdfText);
        Assert.Equal(2, PageObject().Matches(pdfText).Count);

        var docxOut = Assert.Single(results[1].Outputs);
        Assert.Equal("word/report.docx", docxOut.Uri.Key);
        using (var zip = ZipFile.OpenRead(_host.PathOf(docxOut.Uri.Key)))
        {
            Assert.NotNull(zip.GetEntry("word/document.xml"));
        }

        Assert.Empty(_host.ScratchLeftovers());
    }

    [Fact]
    public async Task A_cancelled_conversion_leaves_no_temporary_folder_of_libreoffice()
    {
        // LibreOffice keeps its temporary files in <TMPDIR>/lu<pid>....tmp and removes them only when it exits
        // normally: a killed one leaves them (with pieces of the document) wherever TMPDIR pointed.
        var rows = string.Concat(Enumerable.Range(0, 20_000).Select(i => $"<tr><td>{i}</td><td>{string.Concat(Enumerable.Repeat("word ", 40))}</td></tr>"));
        var source = await _host.PutBytesAsync("docs/big.html", Encoding.UTF8.GetBytes($"<html><body><table>{rows}</table></body></html>"));
        using var cancel = new CancellationTokenSource();

        var run = _host.Actions.Prepare("doc/convert", ["format=pdf"]).RunAsync(source, cancel.Token);

        // On a new profile LibreOffice's first soffice.bin sets the profile up and exits for a restart; the second
        // converts. Wait until the second has its temporary folder, remembering every process of the run.
        HashSet<int> seen = [];
        List<int> converters = [];
        await Tool.WaitUntilAsync(
            () =>
            {
                var pids = Tool.ProcessesWith(_host.ScratchRoot);
                seen.UnionWith(pids);
                converters.AddRange(pids.Intersect(Tool.ProcessesWith("soffice.bin")).Except(converters).ToList());
                return run.IsCompleted || (converters.Count >= 2 && TempFolders(converters[1]).Any());
            },
            "the converting LibreOffice has made its temporary folder",
            TimeSpan.FromMinutes(2));
        Assert.False(run.IsCompleted, "the conversion should still be running");
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        await Tool.WaitUntilAsync(() => seen.All(pid => !Directory.Exists($"/proc/{pid}")), "LibreOffice is gone");
        Assert.Empty(seen.SelectMany(TempFolders));
        Assert.Empty(_host.ScratchLeftovers());

        IEnumerable<string> TempFolders(int pid) =>
            Directory.EnumerateDirectories(Path.GetTempPath(), $"lu{pid}*")
                .Concat(Directory.Exists(_host.ScratchRoot) ? Directory.EnumerateDirectories(_host.ScratchRoot, $"lu{pid}*", SearchOption.AllDirectories) : []);
    }

    [GeneratedRegex(@"/Type\s*/Page(?![s\w])")]
    private static partial Regex PageObject();
}
