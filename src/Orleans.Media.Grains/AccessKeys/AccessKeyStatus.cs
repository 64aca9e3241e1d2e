namespace Orleans.Media.Grains.AccessKeys;

[GenerateSerializer]
public enum AccessKeyStatus
{
    Active,

    /// <summary>Refused from the moment it is revoked; kept so the id is never reissued and audits can name it.</summary>
    Revoked,
}
