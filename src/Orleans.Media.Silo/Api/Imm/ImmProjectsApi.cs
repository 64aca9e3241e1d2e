using Orleans.Media.Grains;
using Orleans.Media.Grains.FileUncompression;
using Orleans.Media.Grains.Projects;
using Orleans.Media.Persistence;
using Orleans.Media.Persistence.Queries;
using Orleans.Media.Silo.Protocols;

namespace Orleans.Media.Silo.Api.Imm;

/// <summary>
/// IMM project operations: CreateProject, GetProject, ListProjects, UpdateProject, DeleteProject.
/// Besides the vendor's parameters, a project takes this system's limits as extension parameters:
/// <c>ProjectQueriesPerSecond</c>, <c>EngineConcurrency</c>, <c>MaxFilesPerArchive</c>, <c>MaxZipRarBytes</c>,
/// <c>Max7zBytes</c> and <c>TaskRetentionSeconds</c>.
/// </summary>
public static class ImmProjectsApi
{
    private static readonly string[] QuotaParameters =
    [
        "ProjectMaxDatasetCount", "DatasetMaxBindCount", "DatasetMaxFileCount",
        "DatasetMaxEntityCount", "DatasetMaxRelationCount", "DatasetMaxTotalFileSize",
    ];

    public static void Register(ApiOperationCatalog catalog)
    {
        catalog.Add(new ApiOperation(ImmApi.Product, ImmApi.Version, "CreateProject", CreateAsync)
        {
            ProjectParameter = "ProjectName",
            RestRoute = "POST /api/v1/projects/{ProjectName}",
            ResponseType = typeof(ProjectResponse),
            Summary = "Creates a project: the unit of ownership, limits and permissions.",
        });
        catalog.Add(new ApiOperation(ImmApi.Product, ImmApi.Version, "GetProject", GetAsync)
        {
            ProjectParameter = "ProjectName",
            RestRoute = "GET /api/v1/projects/{ProjectName}",
            ResponseType = typeof(ProjectResponse),
            Summary = "Reads a project.",
        });
        catalog.Add(new ApiOperation(ImmApi.Product, ImmApi.Version, "ListProjects", ListAsync)
        {
            RestRoute = "GET /api/v1/projects",
            ResponseType = typeof(ListProjectsResponse),
            Summary = "Lists the projects the caller may read, by name.",
        });
        catalog.Add(new ApiOperation(ImmApi.Product, ImmApi.Version, "UpdateProject", UpdateAsync)
        {
            ProjectParameter = "ProjectName",
            RestRoute = "PUT /api/v1/projects/{ProjectName}",
            ResponseType = typeof(ProjectResponse),
            Summary = "Changes a project's settings and limits.",
        });
        catalog.Add(new ApiOperation(ImmApi.Product, ImmApi.Version, "DeleteProject", DeleteAsync)
        {
            ProjectParameter = "ProjectName",
            RestRoute = "DELETE /api/v1/projects/{ProjectName}",
            Summary = "Deletes a project; refused (StatusConflict) while it has running tasks.",
        });
    }

    private static async Task<object> CreateAsync(ApiRequest request, CancellationToken ct)
    {
        var name = ProjectName.Validate(request.RequireString("ProjectName"));
        var settings = ReadSettings(request, ProjectLimits.Default);
        var project = await Grains(request).GetGrain<IProjectGrain>(name).Create(settings);
        return new ProjectResponse(ProjectView.From(project));
    }

    private static async Task<object> GetAsync(ApiRequest request, CancellationToken ct)
    {
        var name = ProjectName.Validate(request.RequireString("ProjectName"));
        var project = await Grains(request).GetGrain<IProjectGrain>(name).Get();
        return new ProjectResponse(ProjectView.From(project));
    }

    private static async Task<object> UpdateAsync(ApiRequest request, CancellationToken ct)
    {
        var name = ProjectName.Validate(request.RequireString("ProjectName"));
        var grain = Grains(request).GetGrain<IProjectGrain>(name);
        var current = await grain.Get();
        var project = await grain.Update(ReadSettings(request, current.Limits));
        return new ProjectResponse(ProjectView.From(project));
    }

    private static async Task<object> DeleteAsync(ApiRequest request, CancellationToken ct)
    {
        var name = ProjectName.Validate(request.RequireString("ProjectName"));
        var running = await request.Services.GetRequiredService<IGrainStateQuery>().CountAsync(
            new GrainStateQuery(FileUncompressionTaskGrain.GrainTypeName)
            {
                Partition = name,
                Filters =
                [
                    StateFilter.Eq(nameof(FileUncompressionTaskState.Exists), true),
                    StateFilter.Eq(nameof(FileUncompressionTaskState.Status), Orleans.Media.Grains.Tasks.TaskStatus.Running),
                ],
            },
            ct);
        await Grains(request).GetGrain<IProjectGrain>(name).Delete(running);
        return new { };
    }

    private static async Task<object> ListAsync(ApiRequest request, CancellationToken ct)
    {
        var max = request.GetInt("MaxResults") is { } m and > 0 ? m : 100;
        var prefix = request.GetString("Prefix");
        var tags = request.GetJson<List<TagParameter>>("Tag") ?? [];
        var page = await request.Services.GetRequiredService<IGrainStateQuery>().QueryAsync<ProjectState>(
            new GrainStateQuery(ProjectGrain.GrainTypeName)
            {
                KeyPrefix = string.IsNullOrEmpty(prefix) ? null : prefix,
                Filters = [StateFilter.Eq(nameof(ProjectState.Exists), true)],
                PageToken = NullIfEmpty(request.GetString("NextToken")),
                Limit = max,
            },
            ct);

        // Only the projects this key may read, and (when asked) that carry every given tag.
        var projects = page.Items
            .Select(i => i.State)
            .Where(p => request.Principal.IsAllowed("imm:ListProjects", p.Name) || request.Principal.IsAllowed("imm:GetProject", p.Name))
            .Where(p => tags.All(t => p.Tags.Any(pt => pt.Key == t.Key && (t.Value is null || pt.Value == t.Value))))
            .Select(ProjectView.From)
            .ToList();
        return new ListProjectsResponse(projects, page.NextPageToken);
    }

    private static ProjectSettings ReadSettings(ApiRequest request, ProjectLimits current)
    {
        var quotas = new Dictionary<string, long>();
        foreach (var name in QuotaParameters)
        {
            if (request.GetLong(name) is { } v)
            {
                quotas[name] = v;
            }
        }

        var tags = request.GetJson<List<TagParameter>>("Tag");
        return new ProjectSettings
        {
            Description = request.GetString("Description"),
            ServiceRole = request.GetString("ServiceRole"),
            TemplateId = request.GetString("TemplateId"),
            DatasetQuotas = quotas.Count > 0 ? quotas : null,
            Tags = tags?.Select(t => new ProjectTag(t.Key ?? "", t.Value ?? "")).ToList(),
            Limits = ReadLimits(request, current),
        };
    }

    private static ProjectLimits ReadLimits(ApiRequest request, ProjectLimits current) => current with
    {
        QueriesPerSecond = Positive(request, "ProjectQueriesPerSecond", current.QueriesPerSecond, 1_000_000),
        EngineConcurrency = Positive(request, "EngineConcurrency", current.EngineConcurrency, 10_000),
        MaxFilesPerArchive = Positive(request, "MaxFilesPerArchive", current.MaxFilesPerArchive, 10_000_000),
        MaxZipRarBytes = PositiveLong(request, "MaxZipRarBytes", current.MaxZipRarBytes),
        Max7zBytes = PositiveLong(request, "Max7zBytes", current.Max7zBytes),
        TaskRetention = request.GetLong("TaskRetentionSeconds") is { } s
            ? s is >= 1 and <= 365L * 24 * 3600
                ? TimeSpan.FromSeconds(s)
                : throw ServiceException.InvalidArgument("TaskRetentionSeconds must be between 1 and 31536000.")
            : current.TaskRetention,
    };

    private static int Positive(ApiRequest request, string name, int current, int max) =>
        request.GetLong(name) is { } v
            ? v >= 1 && v <= max ? (int)v : throw ServiceException.InvalidArgument($"{name} must be between 1 and {max}.")
            : current;

    private static long PositiveLong(ApiRequest request, string name, long current) =>
        request.GetLong(name) is { } v
            ? v >= 1 ? v : throw ServiceException.InvalidArgument($"{name} must be a positive number of bytes.")
            : current;

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static IGrainFactory Grains(ApiRequest request) => request.Services.GetRequiredService<IGrainFactory>();

    private sealed record TagParameter(string? Key, string? Value);
}

public sealed record ProjectResponse(ProjectView Project);

public sealed record ListProjectsResponse(IReadOnlyList<ProjectView> Projects, string? NextToken);
