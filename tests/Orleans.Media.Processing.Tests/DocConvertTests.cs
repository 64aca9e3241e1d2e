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

    [GeneratedRegex(@"/Type\s*/Page(?![s\w])")]
    private static partial Regex PageObject();
}
