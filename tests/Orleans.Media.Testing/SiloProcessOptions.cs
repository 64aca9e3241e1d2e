namespace Orleans.Media.Testing;

/// <summary>How a <see cref="SiloProcess"/> is started: its name, data directory, and settings as environment variables.</summary>
public sealed class SiloProcessOptions
{
    /// <summary>The silo's membership name (<c>OrleansMedia__SiloName</c>) and the log file's name.</summary>
    public string Name { get; set; } = "silo-" + Guid.NewGuid().ToString("N")[..6];

    /// <summary>The data directory; null = a fresh temp folder owned (and deleted) by the process wrapper.</summary>
    public string? DataDir { get; set; }

    /// <summary>Settings as environment variables (<c>ConnectionStrings__Postgres</c>, <c>OrleansMedia__Work__ReminderPeriod</c>, …).</summary>
    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);

    /// <summary>How long to wait for <c>/readyz</c> to answer 200.</summary>
    public TimeSpan ReadyTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Short timings so a killed silo's work moves within seconds, yet a silo starved of CPU on a loaded 2-core
    /// machine is not declared dead: Orleans probes every second and declares a silo dead after 3 missed probes
    /// (README "Running a cluster" recommends the same), unfinished work's reminders tick every 2 s, retries back
    /// off from 200 ms to 1 s.
    /// </summary>
    public SiloProcessOptions WithFastTimings()
    {
        Environment["OrleansMedia__Membership__ProbeTimeout"] = "00:00:01";
        Environment["OrleansMedia__Membership__NumMissedProbesLimit"] = "3";
        Environment["OrleansMedia__Membership__IAmAliveTablePublishTimeout"] = "00:00:05";
        Environment["OrleansMedia__Membership__TableRefreshTimeout"] = "00:00:05";
        Environment["OrleansMedia__Work__ReminderPeriod"] = "00:00:02";
        Environment["OrleansMedia__Work__CheckpointInterval"] = "00:00:00.200";
        Environment["OrleansMedia__Work__RetryBaseDelay"] = "00:00:00.200";
        Environment["OrleansMedia__Work__RetryMaxDelay"] = "00:00:01";
        return this;
    }

    /// <summary>A cluster member on PostgreSQL.</summary>
    public SiloProcessOptions WithPostgres(string connectionString)
    {
        Environment["ConnectionStrings__Postgres"] = connectionString;
        return this;
    }

    /// <summary>The bucket <paramref name="bucket"/> is on the test s3rver.</summary>
    public SiloProcessOptions WithS3Bucket(string bucket)
    {
        var prefix = $"OrleansMedia__Storage__Buckets__{bucket}__";
        Environment[prefix + "Kind"] = "S3";
        Environment[prefix + "ServiceUrl"] = TestEnvironment.S3Endpoint.ToString();
        Environment[prefix + "AccessKey"] = TestEnvironment.S3AccessKey;
        Environment[prefix + "SecretKey"] = TestEnvironment.S3SecretKey;
        Environment[prefix + "ForcePathStyle"] = "true";
        return this;
    }

    /// <summary>A webhook notification topic.</summary>
    public SiloProcessOptions WithWebhookTopic(string topic, Uri url, string secret, int maxAttempts = 20)
    {
        var prefix = $"OrleansMedia__Notifications__Topics__{topic}__";
        Environment[prefix + "Kind"] = "Webhook";
        Environment[prefix + "Url"] = url.ToString();
        Environment[prefix + "Secret"] = secret;
        Environment[prefix + "MaxAttempts"] = maxAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return this;
    }

    public SiloProcessOptions With(string key, string value)
    {
        Environment[key] = value;
        return this;
    }
}
