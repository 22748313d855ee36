/** `Message.preview`: what a chat UI shows under a message with a link. */
export interface LinkPreview {
  url: string;
  title: string;
  description: string | null;
  imageUrl: string | null;
  siteName: string | null;
}
