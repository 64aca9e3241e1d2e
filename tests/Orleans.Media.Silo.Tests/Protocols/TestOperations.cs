using Orleans.Runtime;
using System.Collections.Concurrent;
using Orleans.Media.Grains;
using Orleans.Media.Silo.Protocols;

namespace Orleans.Media.Silo.Tests.Protocols;

/// <summary>
/// Operations registered on the test host to exercise the framework: IMM project operations on a dictionary (so a
/// test can check that a refused request changed nothing), IMM/ICE operations whose reference rules the validation
/// tests violate, a Huawei route, and one that fails unexpectedly.
/// </summary>
public sealed class TestOperations
{
    public const string Imm = "2020-09-30";
    public const string Ice = "2020-11-09";

    public ConcurrentDictionary<string, string?> Projects { get; } = new(StringComparer.Ordinal);

    /// <summary>Every handler invocation, in order: "Action" or "Action:detail".</summary>
    public ConcurrentQueue<string> Calls { get; } = new();

    public void Register(ApiOperationCatalog catalog)
    {
        catalog.Add(new ApiOperation("imm", Imm, "CreateProject", (r, _) =>
        {
            var name = r.RequireString("ProjectName");
            Calls.Enqueue("CreateProject:" + name);
            if (!Projects.TryAdd(name, r.GetString("Description")))
            {
                throw ServiceException.AlreadyExists($"The project {name} already exists.");
            }

            return Task.FromResult<object>(new { Project = new { ProjectName = name, Description = r.GetString("Description") } });
        })
        {
            ProjectParameter = "ProjectName",
            RestRoute = "POST /api/v1/projects/{ProjectName}",
        });

        catalog.Add(new ApiOperation("imm", Imm, "GetProject", (r, _) =>
        {
            var name = r.RequireString("ProjectName");
            Calls.Enqueue("GetProject:" + name);
            return Projects.TryGetValue(name, out var description)
                ? Task.FromResult<object>(new { Project = new { ProjectName = name, Description = description, WithStatistics = r.GetBool("WithStatistics") } })
                : throw ServiceException.NotFound($"The project {name} does not exist.");
        })
        {
            ProjectParameter = "ProjectName",
            RestRoute = "GET /api/v1/projects/{ProjectName}",
        });

        catalog.Add(new ApiOperation("imm", Imm, "ListProjects", (r, _) =>
        {
            Calls.Enqueue("ListProjects");
            var prefix = r.GetString("Prefix") ?? "";
            var max = r.GetInt("MaxResults") is int m and > 0 ? m : 100;
            var names = Projects.Keys.Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && r.Principal.IsAllowed("imm:ListProjects", n))
                .Order(StringComparer.Ordinal).Take(max);
            return Task.FromResult<object>(new { Projects = names.Select(n => new { ProjectName = n }).ToArray(), NextToken = "" });
        })
        {
            RestRoute = "GET /api/v1/projects",
        });

        catalog.Add(new ApiOperation("imm", Imm, "DeleteProject", (r, ct) =>
        {
            var name = r.RequireString("ProjectName");
            Calls.Enqueue("DeleteProject:" + name);
            return Projects.TryRemove(name, out _)
                ? Task.FromResult<object>(new { })
                : throw ServiceException.NotFound($"The project {name} does not exist.");
        })
        {
            ProjectParameter = "ProjectName",
            RestRoute = "DELETE /api/v1/projects/{ProjectName}",
        });

        catalog.Add(new ApiOperation("imm", Imm, "CreateFileUncompressionTask", (r, _) =>
        {
            Calls.Enqueue("CreateFileUncompressionTask");
            var selected = r.GetJson<string[]>("SelectedFiles") ?? [];
            return Task.FromResult<object>(new { TaskId = "FileUncompression-test", EventId = "e", Selected = selected.Length });
        })
        {
            ProjectParameter = "ProjectName",
            RestRoute = "POST /api/v1/projects/{ProjectName}/tasks/file-uncompression",
        });

        catalog.Add(new ApiOperation("imm", Imm, "ListTasks", (r, _) =>
        {
            Calls.Enqueue("ListTasks");
            return Task.FromResult<object>(new { Tasks = Array.Empty<object>(), MaxResults = (r.GetInt("MaxResults") ?? 100).ToString(System.Globalization.CultureInfo.InvariantCulture) });
        })
        {
            ProjectParameter = "ProjectName",
            RestRoute = "GET /api/v1/projects/{ProjectName}/tasks",
        });

        catalog.Add(new ApiOperation("imm", Imm, "SuspendBatch", (_, _) => throw new SiloUnavailableException("fenced in a test"))
        {
            ProjectParameter = "ProjectName",
            Parameters = [],
        });

        catalog.Add(new ApiOperation("imm", Imm, "GetTask", (_, _) => throw new InvalidOperationException("secret internal detail 42"))
        {
            ProjectParameter = "ProjectName",
        });

        catalog.Add(new ApiOperation("ice", Ice, "RegisterMediaInfo", (r, _) =>
        {
            Calls.Enqueue("RegisterMediaInfo");
            return Task.FromResult<object>(new { MediaId = "media-1", InputURL = r.RequireString("InputURL") });
        }));

        catalog.Add(new ApiOperation("metastudio", "v1", "CreateLargeFile", (r, _) =>
        {
            Calls.Enqueue("CreateLargeFile:" + r.GetString("project_id") + ":" + r.GetString("file_name"));
            var parts = r.GetInt("file_multipart_count") ?? 1;
            return Task.FromResult<object>(new LargeFileResult("file-1", Enumerable.Range(1, parts).Select(i => $"http://upload/{i}").ToArray()));
        })
        {
            ProjectParameter = "project_id",
            HuaweiRoute = "POST /v1/{project_id}/large-files",
            SuccessStatus = 201,
            Parameters =
            [
                new ApiParameter("project_id", ApiParameterType.String) { Required = true, MaxLength = 64 },
                new ApiParameter("file_name", ApiParameterType.String) { Required = true, MaxLength = 256 },
                new ApiParameter("file_type", ApiParameterType.String) { Required = true },
                new ApiParameter("asset_id", ApiParameterType.String) { Required = true },
                new ApiParameter("asset_file_category", ApiParameterType.String) { Required = true, Enum = ["MAIN", "OTHER"] },
                new ApiParameter("file_size", ApiParameterType.Integer) { Minimum = 0 },
                new ApiParameter("file_multipart_count", ApiParameterType.Integer) { Minimum = 1, Maximum = 100 },
            ],
        });
    }
}

public sealed record LargeFileResult(
    [property: System.Text.Json.Serialization.JsonPropertyName("file_id")] string FileId,
    [property: System.Text.Json.Serialization.JsonPropertyName("upload_urls")] string[] UploadUrls);
