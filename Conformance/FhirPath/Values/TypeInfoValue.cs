namespace FhirServer.Conformance.FhirPath.Values;

/// <summary>What type() returns (N1 §10 "Reflection": a SimpleTypeInfo/ClassInfo with namespace and name).</summary>
public sealed record TypeInfoValue(string Namespace, string Name)
{
    public object? Member(string member) => member switch
    {
        "namespace" => Namespace,
        "name" => Name,
        _ => null,
    };

    public override string ToString() => Namespace + "." + Name;
}
