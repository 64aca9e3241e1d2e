using System.Text.RegularExpressions;
using Orleans.Media.Grains;
using Orleans.Media.Silo.Protocols;

namespace Orleans.Media.Silo.Tests.Protocols;

/// <summary>
/// For every operation of the embedded vendor reference (IMM and ICE) and every rule of each parameter: a request
/// that is valid except for one violation is refused with the product's code, naming the parameter — and the valid
/// request passes. Operations registered by the host take these rules automatically (Parameters == null).
/// </summary>
public sealed class ReferenceRuleCoverageTests
{
    private static readonly ApiParameterValidator Validator = new(ApiParameterReference.Embedded);

    public static TheoryData<string, string> Operations()
    {
        var data = new TheoryData<string, string>();
        foreach (var (version, action) in ApiParameterReference.Embedded.Operations.OrderBy(o => o.Version).ThenBy(o => o.Action))
        {
            data.Add(version, action);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Operations))]
    public void Every_rule_of_every_operation_refuses_its_violation(string version, string action)
    {
        var product = version == "2020-09-30" ? "imm" : "ice";
        var operation = new ApiOperation(product, version, action, (_, _) => Task.FromResult<object>(new { }));
        var rules = Validator.RulesFor(operation);
        Assert.NotEmpty(rules);
        var valid = rules.Where(r => r.Required).ToDictionary(r => r.Name, ValidValue);
        Validator.Validate(operation, valid); // the baseline passes

        var checkedRules = 0;
        foreach (var rule in rules)
        {
            foreach (var (kind, value) in Violations(rule))
            {
                var parameters = new Dictionary<string, string>(valid);
                if (value is null)
                {
                    parameters.Remove(rule.Name);
                }
                else
                {
                    parameters[rule.Name] = value;
                }

                var error = Assert.Throws<ServiceException>(() => Validator.Validate(operation, parameters));
                var expected = value is null
                    ? (product == "imm" ? "Missing" + rule.Name : "MissingParameter")
                    : (product == "imm" ? "InvalidArgument" : "InvalidParameter");
                Assert.True(expected == error.Code, $"{action}.{rule.Name} {kind}: expected {expected}, got {error.Code} ({error.Message})");
                Assert.Equal(400, error.HttpStatus);
                Assert.Contains(rule.Name, error.Message);
                checkedRules++;
            }

            // The rule's valid value is accepted too.
            var ok = new Dictionary<string, string>(valid) { [rule.Name] = ValidValue(rule) };
            Validator.Validate(operation, ok);
        }

        Assert.True(checkedRules > 0 || rules.All(r => Violations(r).Count == 0));
    }

    [Fact]
    public void Rule_kinds_present_in_the_reference_are_all_exercised()
    {
        var all = ApiParameterReference.Embedded.Operations
            .SelectMany(o => ApiParameterReference.Embedded.TryGet(o.Version, o.Action, out var r) ? r : [])
            .ToArray();
        Assert.Contains(all, r => r.Required);
        Assert.Contains(all, r => r.Type == ApiParameterType.Integer);
        Assert.Contains(all, r => r.Type == ApiParameterType.Boolean);
        Assert.Contains(all, r => r.Json && r.Type == ApiParameterType.Object);
        Assert.Contains(all, r => r.Json && r.Type == ApiParameterType.Array);
        Assert.Contains(all, r => r.MaxLength is not null);
        Assert.Contains(all, r => r.MinLength is > 1);
        Assert.Contains(all, r => r.MaxBytes is not null);
        Assert.Contains(all, r => r.Pattern is not null);
        Assert.Contains(all, r => r.Enum is not null);
        Assert.Contains(all, r => r.Minimum is not null);
        Assert.Contains(all, r => r.Maximum is not null);
        Assert.Contains(all, r => r.MaxItems is not null);
    }

    private static List<(string Kind, string? Value)> Violations(ApiParameter rule)
    {
        var list = new List<(string, string?)>();
        if (rule.Required)
        {
            list.Add(("required", null));
        }

        switch (rule.Type)
        {
            case ApiParameterType.Integer:
                list.Add(("type", "twelve"));
                if (rule.Minimum is { } min)
                {
                    list.Add(("minimum", (min - 1).ToString(System.Globalization.CultureInfo.InvariantCulture)));
                }

                if (rule.Maximum is { } max)
                {
                    list.Add(("maximum", (max + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)));
                }

                break;
            case ApiParameterType.Boolean:
                list.Add(("type", "maybe"));
                break;
            case ApiParameterType.Object when rule.Json:
                list.Add(("json", "{\"unterminated\":"));
                list.Add(("shape", "[1]"));
                break;
            case ApiParameterType.Array when rule.Json:
                list.Add(("json", "[1,"));
                list.Add(("shape", "{\"a\":1}"));
                if (rule.MaxItems is { } items)
                {
                    list.Add(("maxItems", "[" + string.Join(',', Enumerable.Repeat("{}", items + 1)) + "]"));
                }

                break;
        }

        if (rule.MaxLength is { } maxLength)
        {
            list.Add(("maxLength", Fill(ValidValue(rule), maxLength + 1, 'a')));
        }

        if (rule.MinLength is > 1 and var minLength)
        {
            list.Add(("minLength", ValidValue(rule)[..(minLength - 1)]));
        }

        if (rule.MaxBytes is { } maxBytes)
        {
            // Few characters, many bytes: a character limit would let it through.
            list.Add(("maxBytes", rule.Json ? "{\"x\":\"" + new string('é', maxBytes / 2) + "\"}" : new string('é', (maxBytes / 2) + 1)));
        }

        if (rule.Pattern is { } pattern)
        {
            const string bad = "!not valid!";
            Assert.DoesNotMatch(new Regex(pattern), bad);
            list.Add(("pattern", bad));
        }

        if (rule.Enum is not null)
        {
            list.Add(("enum", "NotOneOfThem"));
        }

        return list;
    }

    /// <summary>A value that satisfies every rule of the parameter.</summary>
    private static string ValidValue(ApiParameter rule)
    {
        if (rule.Enum is { Count: > 0 } values)
        {
            return values[0];
        }

        return rule.Type switch
        {
            ApiParameterType.Integer => (rule.Minimum ?? 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ApiParameterType.Boolean => "true",
            ApiParameterType.Number => "1.5",
            ApiParameterType.Object when rule.Json => "{}",
            ApiParameterType.Array when rule.Json => "[]",
            _ when rule.Pattern is { } p && p.Contains("oss://") => "oss://bucket/dir/archive.zip",
            _ => Fill("a", Math.Max(rule.MinLength ?? 1, 6), 'a'),
        };
    }

    private static string Fill(string start, int length, char with) =>
        start.Length >= length ? start[..length] : start + new string(with, length - start.Length);
}
