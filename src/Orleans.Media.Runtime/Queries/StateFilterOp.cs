namespace Orleans.Media.Runtime;

public enum StateFilterOp
{
    Eq,
    In,
    Gte,
    Lte,
    Prefix,
}
