namespace Orleans.Media.Runtime;

/// <summary>The local silo refuses work: it is fenced (could not renew its membership lease), stopping, or stopped.</summary>
public sealed class SiloUnavailableException(string message) : Exception(message);
