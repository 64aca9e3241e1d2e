namespace Orleans.Media.Runtime.Tests.Grains;

public sealed record RegistrationState
{
    public bool Registered { get; init; }

    public int Value { get; init; }
}
