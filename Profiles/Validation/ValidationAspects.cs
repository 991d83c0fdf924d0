using FhirServer.Profiles.Validation.Aspects;
using FhirServer.Profiles.Validation.Schemas;

namespace FhirServer.Profiles.Validation;

/// <summary>The aspect builders every validator uses, in the order their checks run on a node.</summary>
public static class ValidationAspects
{
    public static IReadOnlyList<IAspectBuilder> Default { get; } =
    [
        new ConstraintAspect(),
        new FixedValueAspect(),
        new PatternAspect(),
        new BindingAspect(),
        new CodeSystemAspect(),
        new ValueRangeAspect(),
        new MaxLengthAspect(),
        new RegexAspect(),
    ];

    /// <summary>Compiles ElementDefinition.slicing; null while slices are not told apart (nodes are checked against the sliced element only).</summary>
    public static ISlicingBuilder? Slicing => null;
}
