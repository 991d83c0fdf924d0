using FhirServer.Conformance.Model;

namespace FhirServer.Profiles.Validation.Schemas;

/// <summary>
/// The slicing of a sliced element, compiled: given every node of the element (in instance order), decides which
/// slice each belongs to, validates each against its slice (or the sliced element when it is in none: the walker
/// leaves the nodes of a sliced element to its slicing), and checks the slices' cardinalities and the slicing's rules
/// (closed, ordered).
/// </summary>
public interface ISlicing
{
    /// <summary>Whether a slice has a minimum: the slicing is checked even where the element is absent.</summary>
    bool HasRequiredSlices { get; }

    /// <param name="parent">The node the sliced element's nodes are children of (where cardinality issues are reported).</param>
    /// <param name="sliced">The sliced element.</param>
    /// <param name="nodes">Every node of the sliced element under <paramref name="parent"/>, in instance order; may be empty.</param>
    void Validate(ElementNode parent, ElementSchema sliced, IReadOnlyList<ElementNode> nodes, ValidationState state);
}
