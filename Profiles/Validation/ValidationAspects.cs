using FhirServer.Profiles.Validation.Aspects;
using FhirServer.Profiles.Validation.Resources;
using FhirServer.Profiles.Validation.Schemas;
using FhirServer.Profiles.Validation.Slicing;

namespace FhirServer.Profiles.Validation;

/// <summary>The aspect builders every validator uses, in the order their checks run on a node.</summary>
public static class ValidationAspects
{
    public static IReadOnlyList<IAspectBuilder> Default { get; } =
    [
        new ConstraintAspect(),
        new ExtensionContextAspect(),
        new ReferenceAspect(),
        new BundleAspect(),
        new NarrativeAspect(),
        new EmbeddedHtmlAspect(),
        new NarrativeControlAspect(),
        new FixedValueAspect(),
        new PatternAspect(),
        new BindingAspect(),
        new CodeSystemAspect(),
        new ValueRangeAspect(),
        new MaxLengthAspect(),
        new MinLengthAspect(),
        new ValuePresenceAspect(),
        new RegexAspect(),
        new ExampleUrlAspect(),
        new IdentifierAspect(),
        new AttachmentSizeAspect(),
    ];

    /// <summary>The rules of resource types that no ElementDefinition states, run on each resource node.</summary>
    public static ResourceChecks Resources => ResourceChecks.Default;

    /// <summary>Compiles ElementDefinition.slicing: nodes sorted into slices by their discriminators.</summary>
    public static ISlicingBuilder? Slicing { get; } = new SlicingBuilder();
}
