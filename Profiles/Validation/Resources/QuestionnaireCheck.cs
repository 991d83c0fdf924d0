using FhirServer.Conformance.Model;

namespace FhirServer.Profiles.Validation.Resources;

/// <summary>
/// Questionnaire.item.enableWhen.question names the linkId of the question whose answer enables the item (R4
/// questionnaire.html, enableWhen): a question elsewhere in the questionnaire, neither the item itself nor one of its
/// own inner items (they are only shown once the item is enabled). Messages are the HL7 validator's.
/// </summary>
public sealed class QuestionnaireCheck : IResourceCheck
{
    public string? ResourceType => "Questionnaire";

    public void Check(ElementNode resource, ValidationState state)
    {
        var items = new Dictionary<string, ElementNode>(StringComparer.Ordinal);
        Collect(resource, items);
        if (items.Count == 0) return;
        foreach (var item in items.Values)
            foreach (var enableWhen in item.ChildrenNamed("enableWhen"))
            {
                if (enableWhen.Child("question")?.Value is not { } question) continue;
                if (!items.TryGetValue(question, out var target))
                    state.Report(IssueSeverity.Warning, "not-found",
                        $"Unable to find an item with the linkId '{question}' which is referenced in the enableWhen for '{item.Child("linkId")?.Value}'", enableWhen);
                else if (ReferenceEquals(target, item))
                    state.Report(IssueSeverity.Error, "business-rule", "Target for this question enableWhen can't reference itself", item);
                else if (IsInside(target, item))
                    state.Report(IssueSeverity.Error, "business-rule",
                        "Questions with an enableWhen cannot refer to an inner question for its enableWhen condition", item);
            }
    }

    // Every item by linkId, nested ones included (linkIds are unique in a questionnaire: que-2).
    private static void Collect(ElementNode parent, Dictionary<string, ElementNode> items)
    {
        foreach (var item in parent.ChildrenNamed("item"))
        {
            if (item.Child("linkId")?.Value is { } linkId) items.TryAdd(linkId, item);
            Collect(item, items);
        }
    }

    private static bool IsInside(ElementNode node, ElementNode ancestor)
    {
        foreach (var item in ancestor.ChildrenNamed("item"))
            if (ReferenceEquals(item, node) || IsInside(node, item)) return true;
        return false;
    }
}
