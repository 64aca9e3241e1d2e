namespace Orleans.Media.Silo.Protocols;

/// <summary>The wire type of a parameter, as the vendor reference names it.</summary>
public enum ApiParameterType
{
    String,
    Integer,
    Boolean,
    Number,

    /// <summary>A JSON object; in RPC it travels as a JSON string.</summary>
    Object,

    /// <summary>A JSON array; in RPC it travels as a JSON string.</summary>
    Array,
}
