using Orleans.Media.Grains;

namespace Orleans.Media.Silo.Protocols;

/// <summary>
/// The refusals the protocol layer itself raises, in each vendor's vocabulary: IMM says
/// <c>Missing{Param}</c> / <c>InvalidArgument</c>, ICE <c>MissingParameter</c> / <c>InvalidParameter</c>, and
/// Huawei <c>MSS.00000003</c>; the endpoint-level codes are the Alibaba POP gateway's.
/// </summary>
public static class ApiErrors
{
    public static ServiceException Missing(string product, string parameter) => product switch
    {
        "ice" => new ServiceException("MissingParameter", $"The parameter {parameter} is mandatory for this action.", 400),
        "metastudio" => new ServiceException(HuaweiCodes.InvalidParameter, $"{parameter} is mandatory.", 400),
        _ => ServiceException.Missing(parameter),
    };

    public static ServiceException Invalid(string product, string parameter, string reason) => product switch
    {
        "ice" => new ServiceException("InvalidParameter", $"The parameter {parameter} is invalid: {reason}", 400),
        "metastudio" => new ServiceException(HuaweiCodes.InvalidParameter, $"{parameter} is invalid: {reason}", 400),
        _ => ServiceException.InvalidArgument($"The parameter {parameter} is invalid: {reason}"),
    };

    /// <summary>A request body that is not a JSON object; MetaStudio has its own code for it.</summary>
    public static ServiceException InvalidBody(string product, string reason) => product switch
    {
        "metastudio" => new ServiceException(HuaweiCodes.InvalidBody, "Invalid body: " + reason, 400),
        _ => Invalid(product, "body", reason),
    };

    public static ServiceException MissingAction() =>
        new("MissingAction", "Action is mandatory for this request.", 400);

    public static ServiceException MissingVersion() =>
        new("MissingVersion", "Version is mandatory for this request.", 400);

    public static ServiceException InvalidVersion(string version) =>
        new("InvalidVersion", $"Specified parameter Version '{version}' is not valid.", 400);

    public static ServiceException InvalidAction(string action) =>
        new("InvalidAction.NotFound", $"Specified api '{action}' is not found, please check your url and method.", 404);

    public static ServiceException BodyTooLarge(long limit) =>
        new("RequestEntityTooLarge", $"The request body exceeds the limit of {limit} bytes.", 413);

    /// <summary>The silo cannot serve turns right now (fenced from its store); the caller should retry.</summary>
    public static ServiceException Unavailable(ApiProtocol protocol) => protocol == ApiProtocol.Huawei
        ? new(HuaweiCodes.InternalError, "Service temporarily unavailable, please retry.", 503)
        : new("ServiceUnavailable", "The request has failed due to a temporary failure of the server; please retry.", 503);

    public static ServiceException Internal() =>
        new("InternalError", "The request processing has failed due to some unknown error, exception or failure.", 500);
}
