using FhirServer.Conformance.Model;

namespace FhirServer.Profiles.Validation.Resources;

/// <summary>
/// A composite search parameter combines two or more components (R4 search.html §3.1.1.5.8 "Composite Search
/// Parameters"; searchparameter.html: SearchParameter.component "for composite search parameters").
/// </summary>
public sealed class SearchParameterCheck : IResourceCheck
{
    public string? ResourceType => "SearchParameter";

    public void Check(ElementNode resource, ValidationState state)
    {
        if (resource.Child("type")?.Value == "composite" && resource.ChildrenNamed("component").Count() < 2)
            state.Report(IssueSeverity.Error, "business-rule",
                "When the SearchParameter has a type of 'composite', then the SearchParameter must define two or more components", resource);
    }
}
