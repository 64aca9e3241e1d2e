namespace Orleans.Media.Grains;

/// <summary>
/// A refusal the caller should see: a vendor error code, a message and an HTTP status. Thrown by grains and by
/// request validation alike; the front silo renders it in the calling protocol's error format (Alibaba
/// <c>{RequestId, HostId, Code, Message, Recommend}</c> or Huawei <c>{error_code, error_msg}</c>).
/// Anything else that escapes is an internal error (500) whose details are logged, not returned.
/// </summary>
[GenerateSerializer]
public sealed class ServiceException : Exception
{
    public ServiceException(string code, string message, int httpStatus = 400)
        : base(message)
    {
        Code = code;
        HttpStatus = httpStatus;
    }

    /// <summary>The vendor's error code, e.g. <c>InvalidArgument</c> or <c>ResourceNotFound</c>.</summary>
    [Id(0)]
    public string Code { get; }

    [Id(1)]
    public int HttpStatus { get; }

    public static ServiceException Missing(string parameter) =>
        new("Missing" + parameter, $"{parameter} is mandatory for this action.", 400);

    public static ServiceException InvalidArgument(string message) => new("InvalidArgument", message, 400);

    public static ServiceException NotFound(string message) => new("ResourceNotFound", message, 404);

    public static ServiceException Conflict(string message) => new("StatusConflict", message, 409);

    public static ServiceException LimitExceeded(string message) => new("LimitExceededError", message, 400);

    public static ServiceException AlreadyExists(string message) => new("ResourceAlreadyExists", message, 409);

    public static ServiceException Forbidden(string message) => new("Forbidden", message, 403);
}
