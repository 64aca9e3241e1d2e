namespace Orleans.Media.Runtime.Stores;

/// <summary>The versioned migration scripts embedded for one store ("Postgres.001_initial.sql" → version 1).</summary>
internal static class SchemaScripts
{
    public static IReadOnlyList<(int Version, string Sql)> Load(string prefix)
    {
        var assembly = typeof(SchemaScripts).Assembly;
        var scripts = new List<(int, string)>();
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix + ".", StringComparison.Ordinal)))
        {
            var file = name[(prefix.Length + 1)..];
            var version = int.Parse(file[..file.IndexOf('_', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture);
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            scripts.Add((version, reader.ReadToEnd()));
        }

        return scripts.OrderBy(s => s.Item1).ToList();
    }
}
