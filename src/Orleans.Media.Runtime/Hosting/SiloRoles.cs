namespace Orleans.Media.Runtime;

public static class SiloRoles
{
    /// <summary>Serves the HTTP APIs (the runtime itself does nothing special for it).</summary>
    public const string Api = "api";

    /// <summary>Claims and runs jobs.</summary>
    public const string Worker = "worker";
}
