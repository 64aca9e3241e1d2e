namespace Orleans.Media.Silo.Hosting;

/// <summary>
/// A silo that must not start (its data directory is another process's, its master key cannot open the cluster's
/// keys): the message tells the operator what to change, and the process prints it alone and exits non-zero.
/// </summary>
public sealed class SiloStartRefusedException(string message) : InvalidOperationException(message)
{
    /// <summary>The refusal behind <paramref name="exception"/>, however the host wrapped it.</summary>
    public static SiloStartRefusedException? Find(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is SiloStartRefusedException refused)
            {
                return refused;
            }

            if (e is AggregateException { InnerExceptions: [var only] })
            {
                return Find(only);
            }
        }

        return null;
    }
}
