using System.Xml.Linq;

namespace Orleans.Media.Silo.Storage;

/// <summary>S3's error body (<c>&lt;Error&gt;&lt;Code&gt;..</c>), which S3 clients parse into their exceptions.</summary>
internal static class S3ErrorResponse
{
    public static Task WriteAsync(HttpContext context, int status, string code, string message, string? bucket, string? key)
    {
        var error = new XElement(
            "Error",
            new XElement("Code", code),
            new XElement("Message", message),
            bucket is null ? null : new XElement("BucketName", bucket),
            key is null ? null : new XElement("Key", key),
            new XElement("RequestId", context.TraceIdentifier));
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/xml";
        return context.Response.WriteAsync(new XDeclaration("1.0", "UTF-8", null) + error.ToString(SaveOptions.DisableFormatting), context.RequestAborted);
    }
}
