namespace Orleans.Media.Runtime;

public enum SiloStatus
{
    Joining,
    Active,
    ShuttingDown,
    Dead,
}
