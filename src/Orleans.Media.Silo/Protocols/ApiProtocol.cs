namespace Orleans.Media.Silo.Protocols;

/// <summary>Which wire protocol carried a request; decides authentication and the error body.</summary>
public enum ApiProtocol
{
    /// <summary><c>GET|POST /</c> with <c>Action</c> and <c>Version</c>.</summary>
    AlibabaRpc,

    /// <summary>The readable REST routes under <c>/api/v1</c>.</summary>
    Rest,

    /// <summary>Huawei routes under <c>/v1/{project_id}</c>.</summary>
    Huawei,
}
