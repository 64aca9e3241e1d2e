using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.Media.Storage.Local;
using Orleans.Media.Storage.S3;

namespace Orleans.Media.Storage;

/// <summary>
/// The bucket registry: explicitly configured buckets first, then (when <see cref="ObjectStorageOptions.DefaultLocalRoot"/>
/// is set) any other valid name as a folder under that root. Stores are created once and shared.
/// </summary>
public sealed class ObjectStorage : IObjectStorage, IDisposable
{
    private readonly ObjectStorageOptions _options;
    private readonly LocalUrlSigner _signer;
    private readonly Uri? _localPublicBaseUrl;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ConcurrentDictionary<string, Lazy<IObjectStore>> _stores = new(StringComparer.Ordinal);

    public ObjectStorage(IOptions<ObjectStorageOptions> options, LocalUrlSigner signer, ILoggerFactory? loggerFactory = null)
    {
        _options = options.Value;
        var validation = new ObjectStorageOptionsValidator().Validate(null, _options);
        if (validation.Failed)
        {
            throw new OptionsValidationException(ObjectStorageOptions.SectionName, typeof(ObjectStorageOptions), validation.Failures);
        }

        _signer = signer;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _localPublicBaseUrl = _options.LocalPublicBaseUrl is { } url ? new Uri(url) : null;
    }

    public IReadOnlyCollection<string> Buckets
    {
        get
        {
            var names = new SortedSet<string>(_options.Buckets.Keys, StringComparer.Ordinal);
            if (_options.DefaultLocalRoot is { } root && Directory.Exists(root))
            {
                foreach (var dir in Directory.EnumerateDirectories(root))
                {
                    var name = Path.GetFileName(dir);
                    if (BucketNames.IsValid(name))
                    {
                        names.Add(name);
                    }
                }
            }

            return names;
        }
    }

    public bool HasBucket(string bucket) =>
        _options.Buckets.ContainsKey(bucket) || (_options.DefaultLocalRoot is not null && BucketNames.IsValid(bucket));

    public IObjectStore GetBucket(string bucket)
    {
        ArgumentNullException.ThrowIfNull(bucket);
        if (!HasBucket(bucket))
        {
            throw new BucketNotFoundException(bucket);
        }

        return _stores.GetOrAdd(bucket, name => new Lazy<IObjectStore>(() => Create(name))).Value;
    }

    public void Dispose()
    {
        foreach (var store in _stores.Values)
        {
            if (store.IsValueCreated && store.Value is IDisposable disposable)
            {
                disposable.Dispose();
            }
        }
    }

    private IObjectStore Create(string bucket)
    {
        LocalObjectStore Local(string folder) => new(bucket, folder, _signer, _localPublicBaseUrl, Logger<LocalObjectStore>())
        {
            UseUncachedPartWrites = _options.LocalUncachedPartWrites,
        };

        if (!_options.Buckets.TryGetValue(bucket, out var b))
        {
            return Local(Path.Combine(_options.DefaultLocalRoot!, bucket));
        }

        return b.Kind switch
        {
            BucketKind.Local => Local(b.Path!),
            BucketKind.S3 => new S3ObjectStore(bucket, b, Logger<S3ObjectStore>()),
            _ => throw new BucketNotFoundException(bucket),
        };
    }

    private ILogger Logger<T>() => _loggerFactory.CreateLogger<T>();
}
