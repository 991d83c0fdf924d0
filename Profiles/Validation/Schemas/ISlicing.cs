using FhirServer.Conformance.Model;

namespace FhirServer.Profiles.Validation.Schemas;

/// <summary>
/// The slicing of a sliced element, compiled: given every node of the element (in instance order), decides which
/// slice each belongs to, validates each against its slice, and checks the slices' cardinalities and the slicing's
/// rules (closed, ordered).
/// </summary>
public interface ISlicing
{
    void Validate(ElementSchema sliced, IReadOnlyList<ElementNode> nodes, ValidationState state);
}
