using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Media.Runtime;
using Orleans.Media.Runtime.Core;

namespace Orleans.Media.Testing;

/// <summary>One in-process silo of a <see cref="TestCluster"/>: a generic host with the grain runtime.</summary>
public sealed class TestSilo
{
    internal TestSilo(int index, string name, IHost host, TcpProxy? proxy)
    {
        Index = index;
        Name = name;
        Host = host;
        Proxy = proxy;
    }

    public int Index { get; }

    public string Name { get; }

    public IHost Host { get; }

    public IServiceProvider Services => Host.Services;

    public IGrainFactory GrainFactory => Services.GetRequiredService<IGrainFactory>();

    public IClusterMembership Membership => Services.GetRequiredService<IClusterMembership>();

    /// <summary>The proxy between this silo and PostgreSQL, when the cluster uses proxies.</summary>
    public TcpProxy? Proxy { get; }

    public bool IsStopped { get; internal set; }

    public TGrain GetGrain<TGrain>(string key)
        where TGrain : IGrainWithStringKey => GrainFactory.GetGrain<TGrain>(key);

    internal GrainRuntimeHost RuntimeHost => Services.GetRequiredService<GrainRuntimeHost>();
}
