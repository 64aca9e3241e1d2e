namespace Orleans.Media.Silo.Protocols;

/// <summary>One <c>AddApiOperations</c> call, replayed into the catalog when it is first resolved.</summary>
internal sealed record ApiOperationRegistration(Action<ApiOperationCatalog, IServiceProvider> Add);
