namespace Orleans.Media.Silo.Security;

/// <summary>
/// The <c>Authorization</c> header shape shared by Alibaba V3 and Huawei SDK-HMAC-SHA256:
/// <c>ALGORITHM Credential=AK,SignedHeaders=a;b,Signature=hex</c> (the credential field is named per vendor).
/// </summary>
public static class SignedAuthorizationHeader
{
    /// <summary>The parts of the header; false when it is not a well-formed header of <paramref name="algorithm"/>.</summary>
    public static bool TryParse(
        string header, string algorithm, string credentialField, out string accessKeyId, out string[] signedHeaders, out string signature)
    {
        accessKeyId = signature = "";
        signedHeaders = [];
        if (!header.StartsWith(algorithm + " ", StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var part in header[(algorithm.Length + 1)..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=');
            if (eq <= 0)
            {
                return false;
            }

            var name = part[..eq];
            var value = part[(eq + 1)..];
            if (name == credentialField)
            {
                accessKeyId = value;
            }
            else if (name == "SignedHeaders")
            {
                signedHeaders = value.Split(';', StringSplitOptions.RemoveEmptyEntries);
            }
            else if (name == "Signature")
            {
                signature = value;
            }
        }

        return accessKeyId.Length > 0 && signature.Length > 0 && signedHeaders.Length > 0;
    }
}
