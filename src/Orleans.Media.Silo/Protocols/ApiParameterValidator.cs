using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Orleans.Media.Silo.Protocols;

/// <summary>
/// Applies an operation's parameter rules (<see cref="ApiParameter"/>) to the received parameters before the
/// handler runs, and refuses with the product's codes: required, type, length, byte size, pattern, enum, range,
/// JSON well-formedness and item count. Unknown parameters are ignored, as the vendors do.
/// </summary>
public sealed class ApiParameterValidator(ApiParameterReference reference)
{
    private static readonly TimeSpan PatternTimeout = TimeSpan.FromMilliseconds(100);
    private readonly ConcurrentDictionary<string, Regex> _patterns = new(StringComparer.Ordinal);

    /// <summary>The rules that apply to <paramref name="operation"/>: its own, else the reference's, else none.</summary>
    public IReadOnlyList<ApiParameter> RulesFor(ApiOperation operation) =>
        operation.Parameters ?? (reference.TryGet(operation.Version, operation.Action, out var p) ? p : []);

    /// <summary>Throws the first violation as a <see cref="Orleans.Media.Grains.ServiceException"/>.</summary>
    public void Validate(ApiOperation operation, IReadOnlyDictionary<string, string> parameters)
    {
        var product = operation.Product;
        foreach (var rule in RulesFor(operation))
        {
            if (!parameters.TryGetValue(rule.Name, out var value) || value.Length == 0)
            {
                if (rule.Required)
                {
                    throw ApiErrors.Missing(product, rule.Name);
                }

                continue;
            }

            Check(product, rule, value);
        }
    }

    private void Check(string product, ApiParameter rule, string value)
    {
        switch (rule.Type)
        {
            case ApiParameterType.Integer:
                if (!long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
                {
                    throw ApiErrors.Invalid(product, rule.Name, "it must be an integer.");
                }

                CheckRange(product, rule, number);
                break;
            case ApiParameterType.Number:
                if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) || !double.IsFinite(d))
                {
                    throw ApiErrors.Invalid(product, rule.Name, "it must be a number.");
                }

                break;
            case ApiParameterType.Boolean:
                if (!bool.TryParse(value, out _))
                {
                    throw ApiErrors.Invalid(product, rule.Name, "it must be true or false.");
                }

                break;
            case ApiParameterType.Object or ApiParameterType.Array when rule.Json:
                CheckJson(product, rule, value);
                break;
        }

        if (rule.MinLength is { } min && value.Length < min)
        {
            throw ApiErrors.Invalid(product, rule.Name, $"it must be at least {min} characters long.");
        }

        if (rule.MaxLength is { } max && value.Length > max)
        {
            throw ApiErrors.Invalid(product, rule.Name, $"it must be at most {max} characters long.");
        }

        if (rule.MaxBytes is { } maxBytes && Encoding.UTF8.GetByteCount(value) > maxBytes)
        {
            throw ApiErrors.Invalid(product, rule.Name, $"it must be at most {maxBytes} bytes (UTF-8).");
        }

        if (rule.Enum is { } values && !values.Contains(value, StringComparer.Ordinal))
        {
            throw ApiErrors.Invalid(product, rule.Name, $"it must be one of {string.Join(", ", values)}.");
        }

        if (rule.Pattern is { } pattern && !Matches(pattern, value))
        {
            throw ApiErrors.Invalid(product, rule.Name, $"it does not match {pattern}.");
        }
    }

    private static void CheckRange(string product, ApiParameter rule, long number)
    {
        if (rule.Minimum is { } min && number < min)
        {
            throw ApiErrors.Invalid(product, rule.Name, $"it must be at least {min}.");
        }

        if (rule.Maximum is { } max && number > max)
        {
            throw ApiErrors.Invalid(product, rule.Name, $"it must be at most {max}.");
        }
    }

    private static void CheckJson(string product, ApiParameter rule, string value)
    {
        try
        {
            using var doc = JsonDocument.Parse(value);
            var expected = rule.Type == ApiParameterType.Array ? JsonValueKind.Array : JsonValueKind.Object;
            if (doc.RootElement.ValueKind != expected)
            {
                throw ApiErrors.Invalid(product, rule.Name, $"it must be a JSON {(expected == JsonValueKind.Array ? "array" : "object")}.");
            }

            if (rule.MaxItems is { } maxItems && expected == JsonValueKind.Array && doc.RootElement.GetArrayLength() > maxItems)
            {
                throw ApiErrors.Invalid(product, rule.Name, $"it must have at most {maxItems} items.");
            }
        }
        catch (JsonException)
        {
            throw ApiErrors.Invalid(product, rule.Name, "it is not valid JSON.");
        }
    }

    private bool Matches(string pattern, string value)
    {
        var regex = _patterns.GetOrAdd(pattern, p => new Regex(p, RegexOptions.CultureInvariant, PatternTimeout));
        try
        {
            return regex.IsMatch(value);
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }
}
