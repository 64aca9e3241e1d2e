namespace Orleans.Media.Silo.Security;

/// <summary>No cluster (tools, protocol tests) or sharing turned off: this silo takes the whole rate.</summary>
public sealed class SingleApiSilo : IApiSiloCount
{
    public int Current => 1;
}
