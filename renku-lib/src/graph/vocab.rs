//! The RDF vocabularies of the export: namespaces and the terms the mapping uses.

use oxigraph::model::NamedNodeRef;

/// PROV-O.
pub const PROV: &str = "http://www.w3.org/ns/prov#";
/// schema.org, with `http` as the reference writes it.
pub const SCHEMA: &str = "http://schema.org/";
/// The renku ontology.
pub const RENKU: &str = "https://swissdatasciencecenter.github.io/renku-ontology#";
/// Web annotations (custom metadata).
pub const OA: &str = "http://www.w3.org/ns/oa#";
/// Dublin Core terms.
pub const DCTERMS: &str = "http://purl.org/dc/terms/";
/// RDF.
pub const RDF: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
/// RDF Schema.
pub const RDFS: &str = "http://www.w3.org/2000/01/rdf-schema#";
/// XML Schema datatypes.
pub const XSD: &str = "http://www.w3.org/2001/XMLSchema#";
/// SHACL.
pub const SH: &str = "http://www.w3.org/ns/shacl#";

/// The prefixes used to abbreviate IRIs in Turtle, RDF/XML and dot output.
pub const PREFIXES: &[(&str, &str)] = &[
    ("prov", PROV),
    ("schema", SCHEMA),
    ("renku", RENKU),
    ("oa", OA),
    ("dcterms", DCTERMS),
    ("rdf", RDF),
    ("rdfs", RDFS),
    ("xsd", XSD),
];

macro_rules! terms {
    ($ns:literal => $($name:ident = $local:literal),* $(,)?) => {
        $(
            #[doc = concat!("`", $ns, $local, "`")]
            pub const $name: NamedNodeRef<'static> = NamedNodeRef::new_unchecked(concat!($ns, $local));
        )*
    };
}

/// `rdf:type`.
pub const RDF_TYPE: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/1999/02/22-rdf-syntax-ns#type");

/// PROV-O terms.
pub mod prov {
    use super::NamedNodeRef;
    terms!("http://www.w3.org/ns/prov#" =>
        ACTIVITY = "Activity", ACTIVITY_P = "activity", AGENT = "agent",
        ASSOCIATION = "Association", AT_LOCATION = "atLocation", COLLECTION = "Collection",
        ENDED_AT_TIME = "endedAtTime", ENTITY = "Entity", ENTITY_P = "entity",
        GENERATION = "Generation", HAD_PLAN = "hadPlan", INVALIDATED_AT_TIME = "invalidatedAtTime",
        LOCATION = "Location", PERSON = "Person", PLAN = "Plan",
        QUALIFIED_ASSOCIATION = "qualifiedAssociation", QUALIFIED_GENERATION = "qualifiedGeneration",
        QUALIFIED_USAGE = "qualifiedUsage", SOFTWARE_AGENT = "SoftwareAgent",
        STARTED_AT_TIME = "startedAtTime", USAGE = "Usage", WAS_ASSOCIATED_WITH = "wasAssociatedWith",
        WAS_DERIVED_FROM = "wasDerivedFrom", WAS_INVALIDATED_BY = "wasInvalidatedBy",
    );
}

/// schema.org terms.
pub mod schema {
    use super::NamedNodeRef;
    terms!("http://schema.org/" =>
        ABOUT = "about", ACTION = "Action", AFFILIATION = "affiliation", AGENT = "agent",
        ALTERNATE_NAME = "alternateName", CONTENT_URL = "contentUrl", CREATIVE_WORK = "CreativeWork",
        CREATOR = "creator", DATASET = "Dataset", DATE_CREATED = "dateCreated",
        DATE_MODIFIED = "dateModified", DATE_PUBLISHED = "datePublished",
        DEFAULT_VALUE = "defaultValue", DESCRIPTION = "description",
        DIGITAL_DOCUMENT = "DigitalDocument", EMAIL = "email", ENCODING_FORMAT = "encodingFormat",
        HAS_PART = "hasPart", IDENTIFIER = "identifier", IMAGE = "image",
        IMAGE_OBJECT = "ImageObject", IN_LANGUAGE = "inLanguage", IS_BASED_ON = "isBasedOn",
        KEYWORDS = "keywords", LANGUAGE = "Language", LICENSE = "license", NAME = "name",
        PERSON = "Person", POSITION = "position", PROJECT = "Project", PROPERTY = "Property",
        PROPERTY_VALUE = "PropertyValue", PUBLICATION_EVENT = "PublicationEvent",
        SAME_AS = "sameAs", SCHEMA_VERSION = "schemaVersion", START_DATE = "startDate",
        URL = "URL", URL_P = "url", VALUE = "value", VALUE_REFERENCE = "valueReference",
        VERSION = "version",
    );
}

/// Renku ontology terms.
pub mod renku {
    use super::NamedNodeRef;
    terms!("https://swissdatasciencecenter.github.io/renku-ontology#" =>
        CHECKSUM = "checksum", COMMAND = "command", COMMAND_INPUT = "CommandInput",
        COMMAND_OUTPUT = "CommandOutput", COMMAND_PARAMETER = "CommandParameter",
        COMMAND_PARAMETER_BASE = "CommandParameterBase", COMPOSITE_PLAN = "CompositePlan",
        CREATE_FOLDER = "createFolder", EXTERNAL = "external", HAS_ACTIVITY = "hasActivity",
        HAS_ACTIVITY_COLLECTION = "hasActivityCollection", HAS_ARGUMENTS = "hasArguments",
        HAS_DATASET = "hasDataset", HAS_INPUTS = "hasInputs", HAS_MAPPINGS = "hasMappings",
        HAS_OUTPUTS = "hasOutputs", HAS_PLAN = "hasPlan", HAS_SUBPROCESS = "hasSubprocess",
        IMMUTABLE_TEMPLATE_FILES = "immutableTemplateFiles", IO_STREAM = "IOStream",
        LINK_SINK = "linkSink", LINK_SOURCE = "linkSource", MAPPED_TO = "mappedTo",
        MAPS_TO = "mapsTo", ORIGINAL_IDENTIFIER = "originalIdentifier", PARAMETER = "parameter",
        PARAMETER_LINK = "ParameterLink", PARAMETER_MAPPING = "ParameterMapping",
        PARAMETER_VALUE = "ParameterValue", PLAN = "Plan", POSITION = "position",
        PREFIX = "prefix", SLUG = "slug", SOURCE = "source", STREAM_TYPE = "streamType",
        SUCCESS_CODES = "successCodes", TEMPLATE_ID = "templateId",
        TEMPLATE_METADATA = "templateMetadata", TEMPLATE_REFERENCE = "templateReference",
        TEMPLATE_SOURCE = "templateSource", TEMPLATE_VERSION = "templateVersion",
        WORKFLOW_FILE_ACTIVITY_COLLECTION = "WorkflowFileActivityCollection",
        WORKFLOW_FILE_COMPOSITE_PLAN = "WorkflowFileCompositePlan",
        WORKFLOW_FILE_PLAN = "WorkflowFilePlan", WORKFLOW_LINKS = "workflowLinks",
    );
}

/// Web annotation terms.
pub mod oa {
    use super::NamedNodeRef;
    terms!("http://www.w3.org/ns/oa#" =>
        ANNOTATION = "Annotation", HAS_BODY = "hasBody", HAS_TARGET = "hasTarget",
    );
}

/// Dublin Core terms.
pub mod dcterms {
    use super::NamedNodeRef;
    terms!("http://purl.org/dc/terms/" => CREATOR = "creator");
}

/// XML Schema datatypes.
pub mod xsd {
    use super::NamedNodeRef;
    terms!("http://www.w3.org/2001/XMLSchema#" =>
        BOOLEAN = "boolean", DATE_TIME = "dateTime", DECIMAL = "decimal", DOUBLE = "double",
        INTEGER = "integer", STRING = "string",
    );
}

/// Shortens `iri` with the first matching prefix of [`PREFIXES`] (`schema:name`).
pub fn abbreviate(iri: &str) -> String {
    for (prefix, ns) in PREFIXES {
        if let Some(local) = iri.strip_prefix(ns)
            && !local.is_empty()
            && !local.contains(['/', '#'])
        {
            return format!("{prefix}:{local}");
        }
    }
    iri.to_string()
}
