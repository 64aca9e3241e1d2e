namespace Orleans.Media.Silo.Security;

/// <summary>How many silos serve the API right now: a cluster-wide request rate is split evenly between them.</summary>
public interface IApiSiloCount
{
    /// <summary>At least 1 (this silo).</summary>
    int Current { get; }
}
