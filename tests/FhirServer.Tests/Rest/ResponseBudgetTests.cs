using System.Text;
using FhirServer.Rest;

namespace FhirServer.Tests.Rest;

/// <summary>The count of a Bundle's entries that the response budget of a batch takes from a search entry's answer.</summary>
public class ResponseBudgetTests
{
    [Test]
    public void Entries_holding_resources_nested_past_64_levels_are_counted()
    {
        // A search entry's Bundle whose resources nest 500 levels (contained resources, extensions…).
        var deep = string.Concat(Enumerable.Repeat("[", 500)) + string.Concat(Enumerable.Repeat("]", 500));
        var bundle = """{"resourceType":"Bundle","type":"searchset","entry":[{"resource":{"resourceType":"Basic","x":""" + deep +
            """}},{"resource":{"resourceType":"Basic"}}],"total":2}""";
        Assert.That(ResponseBudget.CountEntries(new System.Buffers.ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(bundle))), Is.EqualTo(2));
    }
}
