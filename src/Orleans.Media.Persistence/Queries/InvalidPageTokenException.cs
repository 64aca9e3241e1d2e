namespace Orleans.Media.Persistence;

/// <summary>
/// A page token the store cannot use: not one a query returned (undecodable, truncated, invented) or one whose sort
/// value is not of the query's <see cref="GrainStateQuery.OrderByKind"/>. The caller's mistake, never the store's:
/// front ends answer it as an invalid argument.
/// </summary>
public sealed class InvalidPageTokenException : ArgumentException
{
    public InvalidPageTokenException(Exception? inner = null)
        : base("Invalid page token: pass back the NextPageToken of the same query unchanged.", "PageToken", inner)
    {
    }
}
