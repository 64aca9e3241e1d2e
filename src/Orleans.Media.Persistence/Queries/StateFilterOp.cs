namespace Orleans.Media.Persistence;

public enum StateFilterOp
{
    Eq,
    In,
    Gte,
    Lte,
    Prefix,
}
