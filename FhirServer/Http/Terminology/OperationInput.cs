using FhirServer.Conformance.Model;
using FhirServer.Terminology.Model;

namespace FhirServer.Http.Terminology;

/// <summary>
/// The input parameters of an operation (R4 operations.html §2.1.0.1): from the query string of a GET, or from the
/// Parameters resource a POST carries (its <c>value[x]</c> and <c>resource</c> parts; query parameters too).
/// </summary>
public sealed class OperationInput
{
    private readonly List<(string Name, string? Value, ElementNode? Node)> _parameters = [];

    public static OperationInput FromQuery(IQueryCollection query)
    {
        var input = new OperationInput();
        foreach (var (name, values) in query)
            if (!name.StartsWith('_'))
                foreach (var v in values) input._parameters.Add((name, v, null));
        return input;
    }

    public static OperationInput FromParameters(ElementNode parameters, IQueryCollection query)
    {
        if (parameters.Type != "Parameters")
            throw FhirException.BadRequest($"The body of an operation is a Parameters resource, not a {parameters.Type}.", parameters.Type);
        var input = FromQuery(query);
        input.Add(parameters);
        return input;
    }

    /// <summary>
    /// The input of one item of a batch operation (a Parameters resource in the parameter <paramref name="itemName"/>):
    /// the item's own parameters, then the batch's other parameters, which the item's override.
    /// </summary>
    public OperationInput ForItem(ElementNode item, string itemName)
    {
        if (item.Type != "Parameters")
            throw FhirException.BadRequest($"Each {itemName} of a batch is a Parameters resource, not a {item.Type}.", item.Location);
        var input = new OperationInput();
        input.Add(item);
        input._parameters.AddRange(_parameters.Where(p => p.Name != itemName));
        return input;
    }

    private void Add(ElementNode parameters)
    {
        foreach (var p in parameters.ChildrenNamed("parameter"))
        {
            var name = p.Child("name")?.Value
                ?? throw FhirException.BadRequest("A parameter has no name.", p.Location, "required");
            // A parameter made of parts (such as $translate's dependency) is kept whole.
            var node = p.Child("value") ?? p.Child("resource") ?? (p.Child("part") is null ? null : p);
            _parameters.Add((name, node?.Value, node));
        }
    }

    public string? String(string name) => _parameters.FirstOrDefault(p => p.Name == name).Value;

    public IReadOnlyList<string> Strings(string name) => [.. _parameters.Where(p => p.Name == name && p.Value is not null).Select(p => p.Value!)];

    public bool Bool(string name) => OptionalBool(name) ?? false;

    /// <summary>A boolean parameter, null when it is not given.</summary>
    public bool? OptionalBool(string name) => String(name) switch
    {
        null => null,
        "false" => false,
        "true" => true,
        var other => throw FhirException.BadRequest($"The parameter '{name}' is a boolean (true or false), not '{other}'.", name),
    };

    public int? Int(string name) => String(name) is { } text
        ? int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n
            : throw FhirException.BadRequest($"The parameter '{name}' is a non-negative integer, not '{text}'.", name)
        : null;

    public ElementNode? Node(string name) => _parameters.FirstOrDefault(p => p.Name == name && p.Node is not null).Node;

    public IReadOnlyList<ElementNode> Nodes(string name) => [.. _parameters.Where(p => p.Name == name && p.Node is not null).Select(p => p.Node!)];

    public IReadOnlyList<ElementNode> Resources(string name) =>
        [.. _parameters.Where(p => p.Name == name && p.Node is { IsResource: true }).Select(p => p.Node!)];

    /// <summary>
    /// The coding to act on: <c>coding</c>, else the code parameters. Their names differ by operation: $lookup has
    /// system and version, CodeSystem/$validate-code url and version, ValueSet/$validate-code system and systemVersion.
    /// </summary>
    public CodingValue Coding(string systemName, string versionName)
    {
        if (Node("coding") is { } coding) return Codings.Read(coding)!;
        return new CodingValue(String(systemName), String("code"), String("display"), String(versionName));
    }
}
