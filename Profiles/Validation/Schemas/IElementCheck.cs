using FhirServer.Conformance.Model;

namespace FhirServer.Profiles.Validation.Schemas;

/// <summary>
/// One small check compiled from one aspect of an ElementDefinition (a fixed value, a binding, an invariant…), run
/// on every node the element matches. Checks are immutable and shared by every validation that uses the schema.
/// </summary>
public interface IElementCheck
{
    void Check(ElementNode node, ValidationState state);
}
