namespace Orleans.Media.Runtime.Core;

/// <summary>DI marker: grain interface implemented by grain class.</summary>
internal sealed record GrainRegistration(Type Interface, Type Class);

/// <summary>DI marker: a job kind and its handler type.</summary>
internal sealed record JobHandlerRegistration(string Kind, Type Handler);
