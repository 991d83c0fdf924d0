namespace FhirServer.Conformance.Serialization;

/// <summary>The namespaces FHIR XML uses (R4 §2.7): FHIR elements, the narrative's XHTML, and namespace declarations.</summary>
internal static class XmlNamespaces
{
    public const string Fhir = "http://hl7.org/fhir";
    public const string Xhtml = "http://www.w3.org/1999/xhtml";
    public const string Xmlns = "http://www.w3.org/2000/xmlns/";
}
