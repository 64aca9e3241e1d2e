namespace Orleans.Media.Runtime.Stores;

internal enum StoreKind
{
    Postgres,
    Sqlite,
}

/// <summary>Which store the silo uses: a PostgreSQL connection string or a SQLite file path.</summary>
internal sealed record StoreSelection(StoreKind Kind, string Target);
