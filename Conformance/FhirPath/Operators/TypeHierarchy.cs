using FhirServer.Conformance.Definitions;

namespace FhirServer.Conformance.FhirPath.Operators;

/// <summary>Type derivation as FHIRPath's <c>is</c> decides it (Patient is a DomainResource), for the layers above (the validator).</summary>
public static class TypeHierarchy
{
    /// <summary>Whether <paramref name="type"/> is <paramref name="baseType"/> or derives from it; ancestors are cached per registry.</summary>
    public static bool Inherits(string type, string baseType, DefinitionRegistry registry) => TypeOperations.Inherits(type, baseType, registry);
}
