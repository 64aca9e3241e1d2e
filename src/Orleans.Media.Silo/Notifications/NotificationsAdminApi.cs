using Microsoft.Extensions.DependencyInjection;
using Orleans.Media.Grains;
using Orleans.Media.Grains.Notifications;
using Orleans.Media.Persistence;
using Orleans.Media.Persistence.Queries;
using Orleans.Media.Silo.Protocols;

namespace Orleans.Media.Silo.Notifications;

/// <summary>
/// Notification administration over REST, as ordinary operations of the front framework (authentication,
/// <c>admin:*</c> permission, validation, OpenAPI):
/// <c>GET /api/v1/admin/notifications?Status=DeadLettered&amp;ProjectName=&amp;MaxResults=&amp;NextToken=</c>,
/// <c>GET /api/v1/admin/notifications/{MessageId}</c>, <c>POST /api/v1/admin/notifications/{MessageId}/replay</c>.
/// </summary>
public static class NotificationsAdminApi
{
    public const string Product = "admin";
    public const string Version = "v1";

    private static readonly string[] Statuses = Enum.GetNames<NotificationStatus>();

    public static void Register(ApiOperationCatalog catalog)
    {
        catalog.Add(new ApiOperation(Product, Version, "ListNotifications", ListAsync)
        {
            Rpc = false,
            RestRoute = "GET /api/v1/admin/notifications",
            Summary = "List notifications by delivery status (dead-lettered by default), most recently changed first.",
            Parameters =
            [
                new ApiParameter("Status", ApiParameterType.String) { Enum = Statuses, Description = "Pending, Delivered or DeadLettered (default)." },
                new ApiParameter("ProjectName", ApiParameterType.String) { MaxLength = 128 },
                new ApiParameter("MaxResults", ApiParameterType.Integer) { Minimum = 1, Maximum = 100 },
                new ApiParameter("NextToken", ApiParameterType.String) { MaxLength = 4096 },
            ],
            ResponseType = typeof(ListNotificationsResponse),
        });
        catalog.Add(new ApiOperation(Product, Version, "GetNotification", GetAsync)
        {
            Rpc = false,
            RestRoute = "GET /api/v1/admin/notifications/{MessageId}",
            Summary = "A notification: its envelope, status, attempts and last error per topic.",
            Parameters = [MessageIdParameter()],
            ResponseType = typeof(NotificationView),
        });
        catalog.Add(new ApiOperation(Product, Version, "ReplayNotification", ReplayAsync)
        {
            Rpc = false,
            RestRoute = "POST /api/v1/admin/notifications/{MessageId}/replay",
            Summary = "Deliver a delivered or dead-lettered notification again, with the same message id.",
            Parameters = [MessageIdParameter()],
            ResponseType = typeof(NotificationView),
        });
    }

    private static ApiParameter MessageIdParameter() =>
        new("MessageId", ApiParameterType.String) { Required = true, MaxLength = 128, Pattern = "^[A-Za-z0-9._:-]+$" };

    private static async Task<object> ListAsync(ApiRequest request, CancellationToken cancellationToken)
    {
        var status = request.GetString("Status") is { Length: > 0 } s ? Enum.Parse<NotificationStatus>(s) : NotificationStatus.DeadLettered;
        var query = new GrainStateQuery(GrainTypeName)
        {
            Partition = request.GetString("ProjectName") is { Length: > 0 } p ? p : null,
            Filters = [StateFilter.Eq(nameof(NotificationState.Status), status.ToString())],
            OrderBy = nameof(NotificationState.UpdatedAt),
            OrderByKind = StateValueKind.Time,
            Descending = true,
            PageToken = request.GetString("NextToken") is { Length: > 0 } t ? t : null,
            Limit = request.GetInt("MaxResults") ?? 100,
        };
        GrainStatePage<NotificationState> page;
        try
        {
            page = await request.Services.GetRequiredService<IGrainStateQuery>().QueryAsync<NotificationState>(query, cancellationToken);
        }
        catch (FormatException)
        {
            throw ServiceException.InvalidArgument("The parameter NextToken is invalid.");
        }
        var items = page.Items.Where(e => e.State.Message is not null).Select(e => NotificationView.From(e.State)).ToList();
        return new ListNotificationsResponse(items, page.NextPageToken);
    }

    private static async Task<object> GetAsync(ApiRequest request, CancellationToken cancellationToken)
    {
        var id = request.RequireString("MessageId");
        var state = await Grain(request, id).Get() ?? throw ServiceException.NotFound($"The notification {id} does not exist.");
        return NotificationView.From(state);
    }

    private static async Task<object> ReplayAsync(ApiRequest request, CancellationToken cancellationToken)
    {
        var id = request.RequireString("MessageId");
        return NotificationView.From(await Grain(request, id).Replay());
    }

    private static INotificationGrain Grain(ApiRequest request, string id) =>
        request.Services.GetRequiredService<IGrainFactory>().GetGrain<INotificationGrain>(id);

    private const string GrainTypeName = NotificationGrain.GrainTypeName;
}
